import { giouBoxCost, l1BoxCost, linearSumAssignment } from '@ssdet/detr';
import * as tf from '@tensorflow/tfjs-core';

/** The box cost weights of the student ↔ teacher matching. */
export interface ProposalMatchingCosts {
  readonly bbox: number;
  readonly giou: number;
}

/**
 * Fig. 2: "the full predictions are matched with the object proposals". Per image, the optimal
 * one-to-one assignment of the student's Q predictions to the teacher's Q proposals under
 * C = λ_L1·‖b̂ − b′‖₁ + λ_giou·(−GIoU(b̂, b′)) (boxes cx, cy, w, h normalised; box-only cost —
 * inferred). Reads values (no gradient). Returns `[B·Q]`: for student query q of image b, the
 * flat index b·Q′ + j of its teacher proposal (−1 if the teacher has fewer proposals).
 */
export function matchProposals(
  studentBoxes: tf.Tensor3D,
  teacherBoxes: tf.Tensor3D,
  costs: ProposalMatchingCosts,
): Int32Array {
  const [batch, queries] = studentBoxes.shape;
  const proposals = teacherBoxes.shape[1];
  const matched = new Int32Array(batch * queries).fill(-1);
  for (let b = 0; b < batch; b++) {
    const cost = tf.tidy(() => {
      const s = tf.squeeze(tf.slice(studentBoxes, [b, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      const t = tf.squeeze(tf.slice(teacherBoxes, [b, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      return tf.add(tf.mul(l1BoxCost(s, t), costs.bbox), tf.mul(giouBoxCost(s, t), costs.giou));
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
