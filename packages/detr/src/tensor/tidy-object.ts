import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.tidy` for a function returning a plain object that holds tensors at any depth: tidy keeps
 * every tensor it finds in the result and disposes the rest, but its typings accept only
 * index-signature containers, so a model's typed output (interfaces with tensor fields) needs
 * this cast.
 */
export function tidyObject<T extends object>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
