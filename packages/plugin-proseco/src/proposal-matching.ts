import { giouBoxCost, l1BoxCost, linearSumAssignment } from '@ssdet/detr';
import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** The cost weights of the student ↔ teacher matching. */
export interface ProposalMatchingCosts {
  readonly bbox: number;
  readonly giou: number;
  /**
   * Weight of −cos(ẑ, z′) between the student's and the teacher's object embeddings (default 0:
   * boxes only). Fig. 2 matches the "full predictions" to the proposals, which may mean more than
   * the boxes; the paper text we could read does not give the cost.
   */
  readonly embedding?: number;
}

/** The object embeddings the embedding cost compares (`[B, Q, E]` and `[B, Q′, E]`). */
export interface ProposalMatchingEmbeddings {
  readonly student: tf.Tensor3D;
  readonly teacher: tf.Tensor3D;
}

/**
 * Fig. 2: "the full predictions are matched with the object proposals". Per image, the optimal
 * one-to-one assignment of the student's Q predictions to the teacher's Q proposals under
 * C = λ_L1·‖b̂ − b′‖₁ + λ_giou·(−GIoU(b̂, b′)) [+ λ_emb·(−cos(ẑ, z′))] (boxes cx, cy, w, h
 * normalised; the box-only cost is the default — inferred). Reads values (no gradient). Returns
 * `[B·Q]`: for student query q of image b, the flat index b·Q′ + j of its teacher proposal (−1 if
 * the teacher has fewer proposals). `embeddings` is required when `costs.embedding` > 0.
 */
export function matchProposals(
  studentBoxes: tf.Tensor3D,
  teacherBoxes: tf.Tensor3D,
  costs: ProposalMatchingCosts,
  embeddings?: ProposalMatchingEmbeddings,
): Int32Array {
  const [batch, queries] = studentBoxes.shape;
  const proposals = teacherBoxes.shape[1];
  const embeddingWeight = costs.embedding ?? 0;
  if (embeddingWeight > 0 && embeddings === undefined) {
    throw new SsdetError(
      'PROSECO_MATCHING_EMBEDDINGS',
      'matchProposals: costs.embedding > 0 needs the student and teacher embeddings',
    );
  }
  const matched = new Int32Array(batch * queries).fill(-1);
  const imageSlice = (t: tf.Tensor3D, b: number) =>
    tf.squeeze(tf.slice(t, [b, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
  for (let b = 0; b < batch; b++) {
    const cost = tf.tidy(() => {
      const s = imageSlice(studentBoxes, b);
      const t = imageSlice(teacherBoxes, b);
      const boxCost = tf.add(
        tf.mul(l1BoxCost(s, t), costs.bbox),
        tf.mul(giouBoxCost(s, t), costs.giou),
      );
      if (embeddingWeight === 0 || embeddings === undefined) return boxCost;
      const zs = l2Normalize(imageSlice(embeddings.student, b));
      const zt = l2Normalize(imageSlice(embeddings.teacher, b));
      return tf.sub(boxCost, tf.mul(tf.matMul(zs, zt, false, true), embeddingWeight));
    });
    const values = cost.dataSync();
    cost.dispose();
    const { rows, cols } = linearSumAssignment(values, queries, proposals);
    rows.forEach((row, k) => {
      matched[b * queries + row] = b * proposals + cols[k]!;
    });
  }
  return matched;
}

/** Rows scaled to unit length (ε 1e-12, as `F.normalize`). */
function l2Normalize(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.div(rows, tf.maximum(tf.norm(rows, 2, 1, true), 1e-12));
}

/** `[…, 4]` normalised cxcywh values → xyxy values. */
export function cxcywhValuesToXyxy(boxes: Float32Array): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const [cx, cy, w, h] = [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!];
    out[i] = cx - w / 2;
    out[i + 1] = cy - h / 2;
    out[i + 2] = cx + w / 2;
    out[i + 3] = cy + h / 2;
  }
  return out;
}
