import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { maxPool2d } from './max-pool-2d.js';
import { globalAvgPool } from './global-avg-pool.js';

useCpuBackend();

describe('maxPool2d', () => {
  it('pads with −∞ symmetrically, like torchvision’s stem pool 3×3/2 pad 1', () => {
    // All negative: zero padding would leak 0 into border windows.
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => -16 + i),
      [1, 4, 4, 1],
    );
    // Windows (rows/cols −1…1 and 1…3): maxima at (1,1), (1,3), (3,1), (3,3) → −11, −9, −3, −1.
    expectValues(maxPool2d(x, 3, 2, 1), [-11, -9, -3, -1], 0, [1, 2, 2, 1]);
    expect(maxPool2d(tf.zeros([1, 7, 8, 2]), 3, 2, 1).shape).toEqual([1, 4, 4, 2]);
  });

  it('routes the gradient to the window maxima only', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(maxPool2d(input as tf.Tensor4D, 3, 2, 1)))(x);
    expectValues(dx, [0, 0, 0, 1], 0);
  });
});

describe('globalAvgPool', () => {
  it('averages over H and W', () => {
    expectValues(
      globalAvgPool(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2])),
      [4, 5],
      1e-6,
      [1, 2],
    );
  });
});
