import * as tf from '@tensorflow/tfjs-core';
import type { LocInfoNceInputs } from './losses/loc-info-nce.js';
import { locationPositives } from './losses/location-positives.js';
import {
  cxcywhValuesToXyxy,
  matchProposals,
  type ProposalMatchingCosts,
} from './proposal-matching.js';

/** The final decoder layer of one detector: boxes and object embeddings per query. */
export interface ProposalSet {
  /** `[B, Q, 4]` normalised cxcywh. */
  readonly boxes: tf.Tensor3D;
  /** `[B, Q, E]`. */
  readonly embeddings: tf.Tensor3D;
}

export interface ContrastOptions {
  /** δ of the IoU positives. */
  readonly iouThreshold: number;
  /** Whose box a student prediction's overlaps are measured from. */
  readonly anchorBox: 'teacher' | 'student';
  readonly costs: ProposalMatchingCosts;
}

/**
 * LocInfoNCE's inputs from the student's predictions and the teacher's proposals: the student
 * ↔ teacher matching ({@link matchProposals}), the anchor boxes (the matched teacher proposal's,
 * or the student's own), the positives ({@link locationPositives}, images = rows of the batch)
 * and both embeddings flattened to `[B·Q, E]`. Also returns the matching (flat teacher indices).
 */
export function buildContrastInputs(
  student: ProposalSet,
  teacher: ProposalSet,
  options: ContrastOptions,
): LocInfoNceInputs & { readonly matched: Int32Array } {
  const [batch, queries] = student.boxes.shape;
  const proposals = teacher.boxes.shape[1];
  const matched = matchProposals(student.boxes, teacher.boxes, options.costs, {
    student: student.embeddings,
    teacher: teacher.embeddings,
  });
  const studentBoxes = cxcywhValuesToXyxy(Float32Array.from(student.boxes.dataSync()));
  const teacherBoxes = cxcywhValuesToXyxy(Float32Array.from(teacher.boxes.dataSync()));
  let anchorBoxes = studentBoxes;
  if (options.anchorBox === 'teacher') {
    anchorBoxes = new Float32Array(matched.length * 4);
    matched.forEach((j, i) => {
      // A prediction the teacher has no proposal left for keeps its own box.
      const source =
        j >= 0 ? teacherBoxes.subarray(j * 4, j * 4 + 4) : studentBoxes.subarray(i * 4, i * 4 + 4);
      anchorBoxes.set(source, i * 4);
    });
  }
  const positives = locationPositives({
    anchorBoxes,
    anchorImages: Int32Array.from({ length: batch * queries }, (_, i) => Math.floor(i / queries)),
    keyBoxes: teacherBoxes,
    keyImages: Int32Array.from({ length: batch * proposals }, (_, j) => Math.floor(j / proposals)),
    matched,
    iouThreshold: options.iouThreshold,
  });
  return tf.tidy(() => ({
    student: tf.reshape(student.embeddings, [batch * queries, -1]) as tf.Tensor2D,
    teacher: tf.reshape(teacher.embeddings, [batch * proposals, -1]) as tf.Tensor2D,
    positives: tf.tensor2d(positives, [batch * queries, batch * proposals]),
    matched,
  }));
}
