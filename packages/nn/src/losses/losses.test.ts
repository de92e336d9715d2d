import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test-support/tensors.js';
import { infoNceLoss } from './info-nce-loss.js';
import { l2Normalize } from './l2-normalize.js';
import { logSumExpRows } from './log-sum-exp-rows.js';
import { normalizedRegressionLoss } from './normalized-regression-loss.js';

useCpuBackend();

const scalar = (t: tf.Tensor): number => t.dataSync()[0]!;

describe('infoNceLoss', () => {
  it('equals log(1 + K·e^(−1/τ)) for a perfect positive and K orthogonal negatives', () => {
    const q = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const queue = tf.tensor2d([
      [0, 0, 1],
      [0, 0, -1],
    ]); // orthogonal to both queries
    expect(scalar(infoNceLoss(q, q, queue, 1))).toBeCloseTo(Math.log(1 + 2 * Math.exp(-1)), 6);
    expect(scalar(infoNceLoss(q, q, queue, 0.2))).toBeCloseTo(Math.log(1 + 2 * Math.exp(-5)), 6);
  });

  it('equals log 2 when the only negative is the positive itself', () => {
    const q = tf.tensor2d([[0.6, 0.8]]);
    expect(scalar(infoNceLoss(q, q, q, 0.07))).toBeCloseTo(Math.log(2), 6);
  });

  it('matches softmax cross-entropy with the positive at index 0', () => {
    const q = l2Normalize(tf.randomNormal<tf.Rank.R2>([4, 8], 0, 1, 'float32', 1));
    const k = l2Normalize(tf.randomNormal<tf.Rank.R2>([4, 8], 0, 1, 'float32', 2));
    const queue = l2Normalize(tf.randomNormal<tf.Rank.R2>([16, 8], 0, 1, 'float32', 3));
    const logits = tf.div(
      tf.concat([tf.sum(tf.mul(q, k), 1, true), tf.matMul(q, queue, false, true)], 1),
      0.2,
    );
    const labels = tf.oneHot(tf.zeros([4], 'int32'), 17);
    const reference = tf.losses.softmaxCrossEntropy(labels, logits);
    expect(scalar(infoNceLoss(q, k, queue, 0.2))).toBeCloseTo(scalar(reference), 5);
    expect(() => infoNceLoss(q, k, tf.zeros([3, 7]), 0.2)).toThrow(SsdetError);
    expect(() => infoNceLoss(q, k, queue, 0)).toThrow(/temperature/);
  });

  it('has the gradient of softmax cross-entropy, without differentiating a maximum', async () => {
    const k = l2Normalize(tf.randomNormal<tf.Rank.R2>([4, 8], 0, 1, 'float32', 2));
    const queue = l2Normalize(tf.randomNormal<tf.Rank.R2>([16, 8], 0, 1, 'float32', 3));
    const q = tf.randomNormal<tf.Rank.R2>([4, 8], 0, 1, 'float32', 1);
    const ours = tf.grad((x: tf.Tensor) => infoNceLoss(x as tf.Tensor2D, k, queue, 0.2))(q);
    const reference = tf.grad((x: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.zeros([4], 'int32'), 17),
        tf.div(
          tf.concat([tf.sum(tf.mul(x, k), 1, true), tf.matMul(x, queue, false, true)], 1),
          0.2,
        ),
      ),
    )(q);
    const diff = tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-5);
    const profile = await tf.profile(() =>
      tf.grad((x: tf.Tensor) => infoNceLoss(x as tf.Tensor2D, k, queue, 0.2))(q),
    );
    expect(profile.kernels.map((kernel) => kernel.name)).not.toContain('Equal');
  });
});

describe('logSumExpRows', () => {
  it('is finite for large logits, with the softmax times dy as gradient and no second softmax', async () => {
    const x = tf.tensor2d([
      [1000, 999, 998],
      [-3, 0.5, 2],
    ]);
    const dy = tf.tensor1d([2, -1]);
    const before = tf.memory().numTensors;
    const value = logSumExpRows(x);
    const expectedValues = [
      [1000, 999, 998],
      [-3, 0.5, 2],
    ].map((row) => {
      const max = Math.max(...row);
      return max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    });
    value.dataSync().forEach((v, row) => expect(v).toBeCloseTo(expectedValues[row]!, 4));
    const gradient = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(logSumExpRows(v as tf.Tensor2D), dy)))(
      x,
    );
    const difference = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(gradient, tf.mul(tf.softmax(x), tf.expandDims(dy, 1))))).dataSync(),
    );
    expect(difference[0]).toBeLessThan(1e-6);
    const profile = await tf.profile(() =>
      tf.grad((v: tf.Tensor) => tf.sum(logSumExpRows(v as tf.Tensor2D)))(x),
    );
    expect(profile.kernels.map((kernel) => kernel.name)).not.toContain('Softmax');
    tf.dispose([value, gradient, profile.result as tf.Tensor]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });
});

describe('normalizedRegressionLoss', () => {
  it('is 0 aligned, 2 orthogonal, 4 opposite, whatever the norms, and averages over the batch', () => {
    const z = tf.tensor2d([
      [1, 0],
      [0, 2],
      [3, 4],
    ]);
    expect(
      scalar(
        normalizedRegressionLoss(
          tf.tensor2d([
            [5, 0],
            [0, 0.1],
            [6, 8],
          ]),
          z,
        ),
      ),
    ).toBeCloseTo(0, 6);
    expect(
      scalar(
        normalizedRegressionLoss(
          tf.tensor2d([
            [0, 1],
            [3, 0],
            [-4, 3],
          ]),
          z,
        ),
      ),
    ).toBeCloseTo(2, 6);
    expect(
      scalar(
        normalizedRegressionLoss(
          tf.tensor2d([
            [-1, 0],
            [0, -1],
            [-3, -4],
          ]),
          z,
        ),
      ),
    ).toBeCloseTo(4, 6);
    expect(
      scalar(
        normalizedRegressionLoss(
          tf.tensor2d([
            [1, 0],
            [0, 1],
            [-3, -4],
          ]),
          z,
        ),
      ),
    ).toBeCloseTo(4 / 3, 6);
    expect(() => normalizedRegressionLoss(tf.zeros([2, 3]), tf.zeros([3, 2]))).toThrow(SsdetError);
  });

  it('has zero gradient for a prediction already aligned with its target', () => {
    const z = tf.tensor2d([[3, 4]]);
    const grad = tf.grad((p: tf.Tensor) => normalizedRegressionLoss(p as tf.Tensor2D, z))(
      tf.tensor2d([[6, 8]]),
    );
    expect(Math.max(...Array.from(grad.dataSync()).map(Math.abs))).toBeLessThan(1e-6);
  });
});
