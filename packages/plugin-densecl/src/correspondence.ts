import { SsdetError } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * DenseCL's dense correspondence (paper §3.3, eq. 2 and the text after it): for every query
 * position s, the key position most similar to it in the **backbone** feature space,
 *
 * `s* = argmax_j cos(f^q_s, f^k_j)`,
 *
 * with `f` the C5 feature vectors L2-normalised over channels (official `forward_train`:
 * `max(q_bᵀ·k_b, dim=2)` on `[N, C, S²]` maps normalised along C; rows are query positions).
 * Positions are numbered row-major, `h·S + w`. No gradient flows through an argmax.
 *
 * @param queryFeatures `[N, S, S, C]` the query view's C5.
 * @param keyFeatures `[N, S, S, C]` the key view's C5 (from the momentum encoder).
 * @returns `[N, S²]` int32 key position for each query position.
 */
export function denseCorrespondence(
  queryFeatures: tf.Tensor4D,
  keyFeatures: tf.Tensor4D,
): tf.Tensor2D {
  if (queryFeatures.rank !== 4 || !tf.util.arraysEqual(queryFeatures.shape, keyFeatures.shape)) {
    throw new SsdetError(
      'DENSECL_BAD_INPUT',
      `denseCorrespondence expects query and key features of one shape [N, S, S, C]; got [${queryFeatures.shape.join(', ')}] and [${keyFeatures.shape.join(', ')}].`,
    );
  }
  const [n, h, w, c] = queryFeatures.shape;
  return tf.tidy(() => {
    const q = l2Normalize(tf.reshape(queryFeatures, [n, h * w, c]) as tf.Tensor3D, 2);
    const k = l2Normalize(tf.reshape(keyFeatures, [n, h * w, c]) as tf.Tensor3D, 2);
    const similarity = tf.matMul(q, k, false, true); // [N, S² (query), S² (key)]
    return tf.argMax(similarity, 2) as tf.Tensor2D;
  });
}
