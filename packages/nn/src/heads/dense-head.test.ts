import { Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { DenseHead } from './dense-head.js';

useCpuBackend();

describe('DenseHead', () => {
  it('applies conv1×1 → ReLU → conv1×1 at every location independently', () => {
    const head = new DenseHead({
      inChannels: 2,
      hiddenChannels: 2,
      outChannels: 1,
      rng: Rng.fromSeed(1),
    });
    expect([...head.variables().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const v = head.variables();
    v.get('0.weight')!.assign(tf.tensor4d([1, -1, 2, 1], [1, 1, 2, 2]));
    v.get('0.bias')!.assign(tf.zeros([2]));
    v.get('2.weight')!.assign(tf.tensor4d([1, 10], [1, 1, 2, 1]));
    v.get('2.bias')!.assign(tf.tensor1d([0.5]));
    const y = head.forward(tf.tensor4d([1, 1, -1, 1], [1, 1, 2, 2]));
    expectValues(y, [3.5, 21.5], 1e-5, [1, 1, 2, 1]);
  });
});
