import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { BatchNorm1d } from './batch-norm-1d.js';
import { BatchNorm2d } from './batch-norm-2d.js';

useCpuBackend();

describe('BatchNorm2d', () => {
  it('names weight/bias trainable and running stats as buffers', () => {
    const bn = new BatchNorm2d({ numFeatures: 4 });
    const variables = bn.variables();
    expect([...variables.keys()]).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    expect([...variables.values()].map((v) => v.trainable)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(bn.numBatchesTracked.dtype).toBe('int32');
  });

  it('normalises with the biased batch variance and updates running stats with the unbiased one', () => {
    const bn = new BatchNorm2d({ numFeatures: 2 });
    bn.weight.assign(tf.tensor1d([2, 1]));
    bn.bias.assign(tf.tensor1d([0, 1]));
    // [B=2, H=1, W=2, C=2]: channel 0 holds 1, 2, 3, 4; channel 1 holds 10, 10, 10, 14.
    const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 14], [2, 1, 2, 2]);
    const y = bn.forward(x, { training: true });
    const s0 = Math.sqrt(1.25 + 1e-5); // channel 0: mean 2.5, biased variance 1.25
    const s1 = Math.sqrt(3 + 1e-5); // channel 1: mean 11, biased variance 3
    expectValues(
      y,
      [
        (2 * -1.5) / s0,
        -1 / s1 + 1,
        (2 * -0.5) / s0,
        -1 / s1 + 1,
        (2 * 0.5) / s0,
        -1 / s1 + 1,
        (2 * 1.5) / s0,
        3 / s1 + 1,
      ],
      1e-5,
      [2, 1, 2, 2],
    );
    // Unbiased variances: 5/3 and 4.
    expectValues(bn.runningMean, [0.25, 1.1]);
    expectValues(bn.runningVar, [0.9 + 0.1 * (5 / 3), 0.9 + 0.1 * 4]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(1);

    bn.forward(x, { training: true });
    expectValues(bn.runningMean, [0.9 * 0.25 + 0.25, 0.9 * 1.1 + 1.1]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(2);
  });

  it('normalises with batch statistics but keeps its running ones when told not to update them', () => {
    const bn = new BatchNorm2d({ numFeatures: 1, eps: 0 });
    expectValues(
      bn.forward(tf.tensor4d([1, 5, -3, 7], [1, 2, 2, 1]), {
        training: true,
        updateRunningStats: false,
      }),
      // mean 2.5, biased variance 14.75
      [-1.5, 2.5, -5.5, 4.5].map((d) => d / Math.sqrt(14.75)),
      1e-6,
    );
    expectValues(bn.runningMean, [0]);
    expectValues(bn.runningVar, [1]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(0);
  });

  it('uses the running statistics in evaluation mode and leaves them unchanged', () => {
    const bn = new BatchNorm2d({ numFeatures: 1, eps: 0 });
    bn.runningMean.assign(tf.tensor1d([1]));
    bn.runningVar.assign(tf.tensor1d([4]));
    bn.bias.assign(tf.tensor1d([3]));
    expectValues(
      bn.forward(tf.tensor4d([1, 5, -3, 7], [1, 2, 2, 1]), { training: false }),
      [3, 5, 1, 6],
    );
    expectValues(bn.runningMean, [1]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(0);
  });

  it('differentiates through the batch statistics (Σ BN(x) does not depend on x)', () => {
    const bn = new BatchNorm2d({ numFeatures: 2 });
    const x = tf.tensor4d([1, 10, 2, 11, 5, 10, 4, 17], [2, 1, 2, 2]);
    const dx = tf.grad((input: tf.Tensor) =>
      tf.sum(bn.forward(input as tf.Tensor4D, { training: true })),
    )(x);
    expectValues(dx, new Array<number>(8).fill(0), 1e-5);
    const weights = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 0], [2, 1, 2, 2]);
    const dxWeighted = tf.grad((input: tf.Tensor) =>
      tf.sum(tf.mul(bn.forward(input as tf.Tensor4D, { training: true }), weights)),
    )(x);
    // d y0 / d x0 for channel 0 (values 1, 2, 5, 4; mean 3, var 2.5): (1 − 1/n − x̂0²/n)/σ.
    const sigma = Math.sqrt(2.5 + 1e-5);
    const xhat0 = -2 / sigma;
    expect(dxWeighted.dataSync()[0]).toBeCloseTo((1 - 0.25 - (xhat0 * xhat0) / 4) / sigma, 5);
  });

  it('refuses a training batch with one value per channel, as PyTorch does', () => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    expect(() => bn.forward(tf.zeros([1, 1, 1, 3]), { training: true })).toThrow(SsdetError);
    expect(() => bn.forward(tf.zeros([1, 1, 1, 2]), { training: false })).toThrow(/3 channels/);
  });
});

describe('BatchNorm1d', () => {
  it('normalises [N, C] features per column and updates running stats', () => {
    const bn = new BatchNorm1d({ numFeatures: 2, eps: 0 });
    const y = bn.forward(
      tf.tensor2d([
        [0, 5],
        [2, 5],
        [4, 8],
      ]),
      { training: true },
    );
    const s0 = Math.sqrt(8 / 3);
    const s1 = Math.sqrt(2);
    expectValues(y, [-2 / s0, -1 / s1, 0, -1 / s1, 2 / s0, 2 / s1], 1e-5, [3, 2]);
    expectValues(bn.runningMean, [0.2, 0.6]);
    expectValues(bn.runningVar, [0.9 + 0.1 * 4, 0.9 + 0.1 * 3]);
    expect(() => bn.forward(tf.zeros([2, 2, 2, 2]), { training: true })).toThrow(SsdetError);
  });
});
