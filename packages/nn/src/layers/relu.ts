import * as tf from '@tensorflow/tfjs-core';

/** `max(x, 0)` elementwise, PyTorch's `nn.ReLU` (the gradient at 0 is 0, as PyTorch's). */
export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x);
}
