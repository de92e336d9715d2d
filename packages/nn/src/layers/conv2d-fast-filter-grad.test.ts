import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test-support/tensors.js';
import { conv2dWithFastFilterGrad } from './conv2d-fast-filter-grad.js';

useCpuBackend();

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('conv2dWithFastFilterGrad', () => {
  it.each([
    [1, 1, 5, 6],
    [1, 2, 7, 7],
    [3, 1, 6, 5],
    [3, 2, 9, 8],
    [7, 2, 12, 11],
  ])('equals tf.conv2d and its gradients (k=%i, stride=%i, %i×%i input)', (k, stride, h, w) => {
    const x = tf.randomNormal<tf.Rank.R4>([2, h, w, 3], 0, 1, 'float32', k * 10 + stride);
    const filter = tf.randomNormal<tf.Rank.R4>([k, k, 3, 4], 0, 1, 'float32', k * 10 + stride + 1);
    const weights = tf.randomNormal(
      tf.conv2d(x, filter, stride, 'valid').shape,
      0,
      1,
      'float32',
      5,
    );
    const loss =
      (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), weights));
    const ours = tf.grads(loss((a, b) => conv2dWithFastFilterGrad(a, b, stride)))([x, filter]);
    const reference = tf.grads(loss((a, b) => tf.conv2d(a, b, stride, 'valid')))([x, filter]);
    expect(
      maxAbsDiff(
        conv2dWithFastFilterGrad(x, filter, stride),
        tf.conv2d(x, filter, stride, 'valid'),
      ),
    ).toBe(0);
    expect(maxAbsDiff(ours[0]!, reference[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDiff(ours[1]!, reference[1]!)).toBeLessThan(1e-4);
  });
});
