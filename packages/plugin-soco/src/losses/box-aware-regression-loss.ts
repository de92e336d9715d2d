import { SsdetError } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** Identity whose gradient is zero: tfjs-core has no `stop_gradient`. */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as <T extends tf.Tensor>(x: T) => T;

/**
 * SoCo's object-level BYOL loss between the online predictions of one view and the target
 * projections of another (Wei et al., "Aligning Pretraining for Detection via Object-Level
 * Contrastive Learning", NeurIPS 2021, eq. 2–3; official `regression_loss_bboxs_aware`):
 *
 *     ℓ(a→b) = −2 · (1/N) Σ_n [ Σ_ij C_nij · ⟨q̂_ni, ẑ_nj⟩ / (Σ_ij C_nij + 10⁻⁶) ]
 *
 * with `q̂ = q/‖q‖` the online predictions of view a, `ẑ = z/‖z‖` the target projections of view
 * b, and C the same-proposal matching matrix ({@link sameProposalMatrix}). The mean runs over all
 * N images, including those whose C is empty (they add 0). Minimising it maximises the cosine
 * similarity of every pair of embeddings of one proposal; equal to BYOL's `2 − 2cos` up to the
 * constant. The target side gets no gradient (pass it detached, or it is stopped here).
 *
 * @param predictions `[N, M, D]` online predictor outputs of view a.
 * @param targets `[N, M, D]` target projector outputs of view b.
 * @param correspondence `[N, M, M]`, rows index a's embeddings, columns b's.
 */
export function boxAwareRegressionLoss(
  predictions: tf.Tensor3D,
  targets: tf.Tensor3D,
  correspondence: tf.Tensor3D,
): tf.Scalar {
  const [n, m, d] = predictions.shape;
  if (
    predictions.rank !== 3 ||
    !tf.util.arraysEqual(targets.shape, [n, m, d]) ||
    !tf.util.arraysEqual(correspondence.shape, [n, m, m])
  ) {
    throw new SsdetError(
      'SOCO_BAD_INPUT',
      `boxAwareRegressionLoss expects predictions and targets [N, M, D] and a correspondence [N, M, M]; got [${predictions.shape.join(', ')}], [${targets.shape.join(', ')}] and [${correspondence.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const q = l2Normalize(predictions);
    const z = stopGradient(l2Normalize(targets));
    const similarity = tf.matMul(q, z, false, true);
    const matched = tf.sum(tf.mul(similarity, correspondence), [1, 2]);
    const perImage = tf.div(matched, tf.add(tf.sum(correspondence, [1, 2]), 1e-6));
    return tf.mul(tf.mean(perImage), -2) as tf.Scalar;
  });
}
