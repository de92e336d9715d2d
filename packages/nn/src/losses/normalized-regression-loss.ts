import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from './l2-normalize.js';

/**
 * BYOL's normalised regression loss (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020,
 * eq. 2): the squared distance of the L2-normalised prediction and target,
 *
 * `L = (1/N) Σ_i ‖p̄_i − z̄_i‖² = (1/N) Σ_i (2 − 2·⟨p_i, z_i⟩ / (‖p_i‖·‖z_i‖))`,
 *
 * in [0, 4]: 0 when aligned, 2 when orthogonal, 4 when opposite. Inputs need not be normalised
 * (norms are clamped at 1e-12 like `F.normalize`). BYOL symmetrises by adding the loss with the
 * views swapped; that is the caller's sum of two calls. `targets` come from the target network.
 *
 * @param predictions `[N, D]` online predictions `p`.
 * @param targets `[N, D]` target projections `z`.
 */
export function normalizedRegressionLoss(
  predictions: tf.Tensor2D,
  targets: tf.Tensor2D,
): tf.Scalar {
  if (predictions.rank !== 2 || !tf.util.arraysEqual(predictions.shape, targets.shape)) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `normalizedRegressionLoss expects predictions and targets of equal shape [N, D]; got [${predictions.shape.join(', ')}] and [${targets.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const cosine = tf.sum(tf.mul(l2Normalize(predictions), l2Normalize(targets)), 1);
    return tf.mean(tf.sub(2, tf.mul(cosine, 2)));
  });
}
