import type { Loss } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** How several positives of one anchor enter LocInfoNCE. */
export type PositiveAggregation = 'mean-log' | 'log-sum';

export interface LocInfoNceInputs {
  /** `[N, D]` ẑ: the student's object embeddings (any norm; normalised here). */
  readonly student: tf.Tensor2D;
  /** `[M, D]` z′: the teacher's proposal embeddings (no gradient: the teacher is an EMA). */
  readonly teacher: tf.Tensor2D;
  /** `[N, M]` 0/1: P(i), the positives of anchor i ({@link locationPositives}). */
  readonly positives: tf.Tensor2D;
}

/**
 * LocInfoNCE, ProSeCo's location-aware InfoNCE (Bouniot et al., ICLR 2023, method section): every student
 * prediction i (all queries of all images of the batch) is contrasted against every teacher
 * proposal j of the batch; its positives P(i) are the proposals of its image that overlap it
 * (IoU ≥ δ) and the one it is matched to, the rest of the batch are negatives. With
 * s_ij = ⟨ẑ_i/‖ẑ_i‖, z′_j/‖z′_j‖⟩ / τ,
 *
 *   `mean-log` (default):  L = (1/N) Σ_i  −(1/|P(i)|) Σ_{p∈P(i)} log( exp(s_ip) / Σ_{k=1}^{M} exp(s_ik) )
 *   `log-sum`:             L = (1/N) Σ_i  −log( Σ_{p∈P(i)} exp(s_ip) / Σ_{k=1}^{M} exp(s_ik) )
 *
 * (SupCon's L_out and L_in forms, Khosla et al. 2020; with one positive per anchor both are
 * InfoNCE). Anchors without any positive are left out of the mean (N counts the others).
 * A pure function of tensors; the equations were settled from the paper's text, see the README.
 */
export function locInfoNce(
  inputs: LocInfoNceInputs,
  temperature: number,
  aggregation: PositiveAggregation = 'mean-log',
): tf.Scalar {
  const { student, teacher, positives } = inputs;
  const [n, d] = student.shape;
  const [m, dt] = teacher.shape;
  if (d !== dt || positives.shape[0] !== n || positives.shape[1] !== m) {
    throw new SsdetError(
      'PROSECO_LOCINFONCE_SHAPE',
      `LocInfoNCE: student [${n}, ${d}], teacher [${m}, ${dt}] and positives [${positives.shape.join(', ')}] do not fit (positives must be [${n}, ${m}]).`,
    );
  }
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D) =>
      tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
    const logits = tf.div(tf.matMul(unit(student), unit(teacher), false, true), temperature);
    const logNormaliser = tf.logSumExp(logits, 1); // [N]
    const counts = tf.sum(positives, 1); // [N]
    const hasPositive = tf.cast(tf.greater(counts, 0), 'float32');
    let perAnchor: tf.Tensor1D;
    if (aggregation === 'mean-log') {
      const positiveLogits = tf.sum(tf.mul(logits, positives), 1);
      perAnchor = tf.sub(
        logNormaliser,
        tf.div(positiveLogits, tf.maximum(counts, 1)),
      ) as tf.Tensor1D;
    } else {
      // Non-positives pushed to −∞ (finitely, so the gradient stays defined).
      const masked = tf.add(logits, tf.mul(tf.sub(positives, 1), 1e9));
      perAnchor = tf.sub(logNormaliser, tf.logSumExp(masked, 1)) as tf.Tensor1D;
    }
    const anchors = tf.maximum(tf.sum(hasPositive), 1);
    return tf.div(tf.sum(tf.mul(perAnchor, hasPositive)), anchors) as tf.Scalar;
  });
}

/** {@link locInfoNce} as a weighted term of the total (`loss_locinfonce`). */
export class LocInfoNceLoss implements Loss<LocInfoNceInputs> {
  readonly name = 'loss_locinfonce';

  constructor(
    readonly weight: number,
    readonly temperature: number,
    readonly aggregation: PositiveAggregation = 'mean-log',
  ) {}

  compute(inputs: LocInfoNceInputs): tf.Scalar {
    return locInfoNce(inputs, this.temperature, this.aggregation);
  }
}
