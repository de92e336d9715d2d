import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { Linear } from './linear.js';

useCpuBackend();

describe('Linear', () => {
  it('computes x·W + b with W stored [in, out]', () => {
    const linear = new Linear({ inFeatures: 2, outFeatures: 3, rng: Rng.fromSeed(1) });
    expect(linear.weight.shape).toEqual([2, 3]);
    linear.weight.assign(
      tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    linear.bias!.assign(tf.tensor1d([0.5, 0, -1]));
    expectValues(
      linear.forward(
        tf.tensor2d([
          [1, 1],
          [2, -1],
        ]),
      ),
      [5.5, 7, 8, -1.5, -1, -1],
      1e-6,
      [2, 3],
    );
    expect([...linear.variables().keys()]).toEqual(['weight', 'bias']);
  });

  it('draws PyTorch-default weights within ±1/√in', () => {
    const linear = new Linear({
      inFeatures: 100,
      outFeatures: 50,
      bias: false,
      rng: Rng.fromSeed(2),
    });
    expect(linear.bias).toBeUndefined();
    const values = linear.weight.dataSync();
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.09);
  });

  it('rejects a wrong feature count', () => {
    const linear = new Linear({ inFeatures: 2, outFeatures: 3, rng: Rng.fromSeed(1) });
    expect(() => linear.forward(tf.zeros([4, 3]))).toThrow(SsdetError);
  });
});
