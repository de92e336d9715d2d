import * as tf from '@tensorflow/tfjs-core';

/**
 * `x / max(‖x‖₂, ε)` along `axis` (default the last), PyTorch's `F.normalize(x, dim=axis, eps=1e-12)`.
 */
export function l2Normalize<T extends tf.Tensor>(x: T, axis = -1, eps = 1e-12): T {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), axis, true));
    return tf.div(x, tf.maximum(norm, eps)) as T;
  });
}
