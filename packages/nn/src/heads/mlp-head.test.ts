import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { MlpHead } from './mlp-head.js';

useCpuBackend();

describe('MlpHead', () => {
  it('names its layers like nn.Sequential(Linear, BN, ReLU, Linear[, BN])', () => {
    const head = new MlpHead({
      inDim: 8,
      hiddenDim: 16,
      outDim: 4,
      lastBatchNorm: true,
      rng: Rng.fromSeed(1),
    });
    const names = [...head.variables().keys()];
    expect(names.filter((n) => n.endsWith('.weight'))).toEqual([
      '0.weight',
      '1.weight',
      '3.weight',
      '4.weight',
    ]);
    expect(head.variables().get('3.weight')!.shape).toEqual([16, 4]);
    expect(head.variables().has('4.running_var')).toBe(true);
    const plain = new MlpHead({
      inDim: 8,
      hiddenDim: 16,
      outDim: 4,
      batchNorm: false,
      rng: Rng.fromSeed(1),
    });
    expect([...plain.variables().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('computes Linear → ReLU → Linear by hand without BN', () => {
    const head = new MlpHead({
      inDim: 2,
      hiddenDim: 2,
      outDim: 1,
      batchNorm: false,
      rng: Rng.fromSeed(2),
    });
    const v = head.variables();
    v.get('0.weight')!.assign(
      tf.tensor2d([
        [1, -1],
        [2, 1],
      ]),
    );
    v.get('0.bias')!.assign(tf.tensor1d([0, 0]));
    v.get('2.weight')!.assign(tf.tensor2d([[1], [10]]));
    v.get('2.bias')!.assign(tf.tensor1d([0.5]));
    // x = [1, 1] → hidden [3, 0] → 3 + 0.5; x = [-1, 1] → hidden [1, 2] → 1 + 20 + 0.5
    expectValues(
      head.forward(
        tf.tensor2d([
          [1, 1],
          [-1, 1],
        ]),
        { training: true },
      ),
      [3.5, 21.5],
      1e-5,
      [2, 1],
    );
  });

  it('normalises the last layer per feature with lastBatchNorm in training mode', () => {
    const head = new MlpHead({
      inDim: 3,
      hiddenDim: 5,
      outDim: 2,
      lastBatchNorm: true,
      rng: Rng.fromSeed(3),
    });
    const y = head.forward(tf.randomNormal([6, 3], 0, 1, 'float32', 1), { training: true });
    expectValues(tf.mean(y, 0), [0, 0], 1e-5);
    expect(() => new MlpHead({ inDim: 0, hiddenDim: 5, outDim: 2, rng: Rng.fromSeed(3) })).toThrow(
      SsdetError,
    );
  });
});
