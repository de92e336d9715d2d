import { recordingGradients, type ForwardOptions } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2d } from './conv2d.js';
import { FrozenBatchNorm2d } from './frozen-batch-norm-2d.js';
import type { Norm2d } from './norm-2d.js';

/**
 * `activation(norm(conv(x)))`, a ResNet's conv–norm(–ReLU). When no gradient is being recorded
 * (a frozen backbone run under `withoutGradients`, or inference) and the norm is a
 * {@link FrozenBatchNorm2d} after a convolution without bias, the norm's fixed affine map is
 * folded into the convolution ({@link Conv2d.forwardFolded}): one fused kernel instead of a
 * convolution and three passes over its output. Otherwise the three layers run as they are.
 */
export function convThenNorm(
  conv: Conv2d,
  norm: Norm2d,
  x: tf.Tensor4D,
  options: ForwardOptions,
  activation: 'linear' | 'relu',
): tf.Tensor4D {
  return tf.tidy(() => {
    if (norm instanceof FrozenBatchNorm2d && conv.bias === undefined && !recordingGradients()) {
      const { scale, shift } = norm.scaleAndShift();
      return conv.forwardFolded(x, scale, shift, activation);
    }
    const y = norm.forward(conv.forward(x), options);
    return activation === 'relu' ? tf.relu(y) : y;
  });
}
