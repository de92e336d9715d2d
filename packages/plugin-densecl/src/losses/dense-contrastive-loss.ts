import { SsdetError } from '@ssdet/core';
import { infoNceLoss } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * DenseCL's dense loss L_r (paper eq. 2): InfoNCE at every query position s between the dense
 * projection r_s and the key's dense projection at its corresponding position s*
 * ({@link denseCorrespondence}), with the dense queue (pooled key projections) as negatives:
 *
 * `L_r = −(1/(N·S²)) Σ_n Σ_s log [ exp(r_s·t_{s*}/τ) / ( exp(r_s·t_{s*}/τ) + Σ_{t₋ ∈ queue₂} exp(r_s·t₋/τ) ) ]`
 *
 * The paper writes the mean over the S² positions of one image; the official code averages the
 * cross-entropy over all N·S² rows, which is the same for equal-sized maps.
 *
 * @param queryDense `[N, S², D]` r, the query encoder's dense projections, L2-normalised per position.
 * @param keyDense `[N, S², D]` t, the key encoder's dense projections, L2-normalised per position.
 * @param matches `[N, S²]` int32 s* for every query position s.
 * @param queue `[K, D]` the dense queue, L2-normalised.
 * @param temperature τ (0.2).
 */
export function denseContrastiveLoss(
  queryDense: tf.Tensor3D,
  keyDense: tf.Tensor3D,
  matches: tf.Tensor2D,
  queue: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  const [n, positions, d] = queryDense.shape;
  if (
    queryDense.rank !== 3 ||
    !tf.util.arraysEqual(keyDense.shape, queryDense.shape) ||
    !tf.util.arraysEqual(matches.shape, [n, positions]) ||
    matches.dtype !== 'int32'
  ) {
    throw new SsdetError(
      'DENSECL_BAD_INPUT',
      `denseContrastiveLoss expects r and t [N, S², D] and int32 matches [N, S²]; got [${queryDense.shape.join(', ')}], [${keyDense.shape.join(', ')}], ${matches.dtype} [${matches.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    // t_{s*} as a one-hot selection (a batched matmul) rather than a gather: the matches come from
    // an argmax of backbone features that carry gradients, and tfjs cannot differentiate a gather
    // with respect to its indices; a one-hot has a zero gradient.
    const selection = tf.oneHot(matches, positions); // [N, S² query, S² key]
    const positives = tf.matMul(tf.cast(selection, 'float32'), keyDense); // [N, S², D]
    return infoNceLoss(
      tf.reshape(queryDense, [n * positions, d]),
      tf.reshape(positives, [n * positions, d]),
      queue,
      temperature,
    );
  });
}
