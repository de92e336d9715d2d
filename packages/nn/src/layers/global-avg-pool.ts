import * as tf from '@tensorflow/tfjs-core';

/** `[B, H, W, C] → [B, C]`: the mean over the spatial axes, PyTorch's `AdaptiveAvgPool2d(1)` + flatten. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]);
}
