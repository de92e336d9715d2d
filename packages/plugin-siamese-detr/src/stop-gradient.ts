import * as tf from '@tensorflow/tfjs-core';

/** Identity whose gradient is zero (PyTorch's `detach`): tfjs-core has no `stop_gradient`. */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as <T extends tf.Tensor>(x: T) => T;
