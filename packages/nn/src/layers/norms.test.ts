import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { GroupNorm } from './group-norm.js';
import { LayerNorm } from './layer-norm.js';

useCpuBackend();

describe('GroupNorm', () => {
  it('normalises each sample and group over positions and the group channels', () => {
    tf.tidy(() => {
      const norm = new GroupNorm(2, 4);
      const x = tf.tensor4d(
        Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 11),
        [2, 1, 3, 4],
      );
      const grouped = tf.reshape(norm.forward(x), [2, 3, 2, 2]);
      const { mean, variance } = tf.moments(grouped, [1, 3]);
      expectValues(mean, [0, 0, 0, 0], 1e-5);
      expectValues(variance, [1, 1, 1, 1], 1e-3);
      expect([...norm.variables().keys()]).toEqual(['weight', 'bias']);
    });
  });

  it('refuses channels not divisible by the groups, and inputs of other widths', () => {
    expect(() => new GroupNorm(32, 48)).toThrow(/must be divisible by groups/);
    expect(() => new GroupNorm(2, 4).forward(tf.zeros([1, 2, 2, 6]))).toThrow(SsdetError);
  });
});

describe('LayerNorm', () => {
  it('normalises the last axis with the biased variance, then scales and shifts', () => {
    tf.tidy(() => {
      const norm = new LayerNorm(2);
      norm.weight.assign(tf.tensor1d([2, 2]));
      norm.bias.assign(tf.tensor1d([1, 1]));
      const y = norm.forward(tf.tensor3d([1, 3, 5, 5], [1, 2, 2]));
      const scale = 1 / Math.sqrt(1 + 1e-5);
      expectValues(y, [1 - 2 * scale, 1 + 2 * scale, 1, 1], 1e-5, [1, 2, 2]);
    });
  });
});
