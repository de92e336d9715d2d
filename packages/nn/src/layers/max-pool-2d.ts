import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * PyTorch's `F.max_pool2d(x, kernelSize, stride, padding)` on NHWC input: the border is padded
 * with −∞ on every side (symmetric, so padded cells never win), output size
 * `⌊(H + 2p − k)/s⌋ + 1`. The ResNet stem uses `maxPool2d(x, 3, 2, 1)`.
 */
export function maxPool2d(
  x: tf.Tensor4D,
  kernelSize: number,
  stride: number,
  padding = 0,
): tf.Tensor4D {
  if (x.rank !== 4) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `maxPool2d expects NHWC input; got shape [${x.shape.join(', ')}].`,
    );
  }
  if (2 * padding > kernelSize) {
    throw new SsdetError(
      'NN_BAD_OPTION',
      `maxPool2d padding must be at most half the kernel size (as in PyTorch); got kernel ${kernelSize}, padding ${padding}.`,
    );
  }
  return tf.tidy(() => {
    const padded =
      padding === 0
        ? x
        : tf.pad(
            x,
            [
              [0, 0],
              [padding, padding],
              [padding, padding],
              [0, 0],
            ],
            -Infinity,
          );
    return tf.maxPool(padded, kernelSize, stride, 'valid');
  });
}
