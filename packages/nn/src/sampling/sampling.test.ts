import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { gridSamplePoints, gridSampleWeights } from './grid-sample-points.js';
import { bilinearResizeMatrix, upsampleBilinear } from './upsample-bilinear.js';

useCpuBackend();

describe('bilinearResizeMatrix / upsampleBilinear (F.interpolate, align_corners=False)', () => {
  it('doubles a row as PyTorch does: edges clamp, inner samples blend ¼ / ¾', () => {
    // F.interpolate([[0, 4]], size=4, mode='linear') = [0, 1, 3, 4].
    expect(Array.from(bilinearResizeMatrix(2, 4))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
    const x = tf.tensor4d([0, 10, 4, 14], [1, 1, 2, 2]); // one row, two pixels, two channels
    const up = upsampleBilinear(x, 2, 4);
    expectValues(up, [0, 10, 1, 11, 3, 13, 4, 14, 0, 10, 1, 11, 3, 13, 4, 14], 1e-6, [1, 2, 4, 2]);
    tf.dispose([x, up]);
  });

  it('is separable: rows and columns resample independently', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const up = upsampleBilinear(x, 4, 4);
    // Row 1 (source y = 0.25): ¾ of source row 0 + ¼ of row 1; column 2 (x = 0.75): ¼ col 0 + ¾ col 1.
    const value = up.arraySync()[0]![1]![2]![0]!;
    expect(value).toBeCloseTo(0.75 * (0.25 * 1 + 0.75 * 2) + 0.25 * (0.25 * 3 + 0.75 * 4), 6);
    tf.dispose([x, up]);
  });

  it('passes the gradient back as the transposed resampling', () => {
    const x = tf.tensor4d([1, 2], [1, 1, 2, 1]);
    const grad = tf.grad((input: tf.Tensor) =>
      tf.sum(upsampleBilinear(input as tf.Tensor4D, 1, 4)),
    )(x);
    // Column sums of bilinearResizeMatrix(2, 4): 2 and 2.
    expectValues(grad, [2, 2], 1e-6);
    tf.dispose([x, grad]);
  });
});

describe('gridSampleWeights / gridSamplePoints (F.grid_sample, bilinear, zeros)', () => {
  it('reads pixel centres exactly and blends between them', () => {
    // A 2 × 2 map; with align_corners=False pixel centres are at ±0.5.
    const map = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const sampled = gridSamplePoints(map, [-0.5, -0.5, 0.5, -0.5, 0, 0, 0.5, 0.5]);
    expectValues(sampled, [1, 2, 2.5, 4], 1e-6, [1, 4, 1]);
    tf.dispose([map, sampled]);
  });

  it('pads with zeros: a corner point (−1, −1) gets a quarter of the corner pixel', () => {
    const weights = gridSampleWeights([-1, -1], 2, 2);
    expect(Array.from(weights)).toEqual([0.25, 0, 0, 0]);
    // With align_corners the corner is the pixel centre itself.
    expect(Array.from(gridSampleWeights([-1, -1], 2, 2, { alignCorners: true }))).toEqual([
      1, 0, 0, 0,
    ]);
  });

  it('samples each image with its own points and sends the gradient to the map', () => {
    const map = tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1]);
    const points = [0.5, 0.5, -0.5, -0.5];
    const sampled = gridSamplePoints(map, points);
    expectValues(sampled, [4, 10], 1e-6, [2, 1, 1]);
    const grad = tf.grad((m: tf.Tensor) => tf.sum(gridSamplePoints(m as tf.Tensor4D, points)))(map);
    expectValues(grad, [0, 0, 0, 1, 1, 0, 0, 0], 1e-6);
    tf.dispose([map, sampled, grad]);
  });

  it('refuses points that are not x, y pairs per image', () => {
    const map = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    expect(() => gridSamplePoints(map, [0, 0, 0])).toThrow(/B·P x, y pairs/);
    map.dispose();
  });
});
