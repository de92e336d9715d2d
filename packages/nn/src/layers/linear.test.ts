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

describe('Linear over any rank, and its draws', () => {
  it('applies to the last axis of [B, Q, in] input', () => {
    const layer = new Linear({ inFeatures: 2, outFeatures: 1, rng: Rng.fromSeed(1) });
    layer.weight.assign(tf.tensor2d([[1], [10]]));
    layer.bias!.assign(tf.tensor1d([0.5]));
    expectValues(
      layer.forward(tf.tensor3d([1, 2, 3, 4], [1, 2, 2])),
      [21.5, 43.5],
      1e-6,
      [1, 2, 1],
    );
    expectValues(layer.apply(tf.tensor2d([[1, 0]])), [1.5], 1e-6, [1, 1]);
  });

  it('draws weight then bias from the stream it is given (sequential) or from forks of it', () => {
    const rng = Rng.fromSeed(3);
    const first = new Linear({ inFeatures: 3, outFeatures: 2, rng });
    const second = new Linear({ inFeatures: 3, outFeatures: 2, rng });
    expect(Array.from(second.weight.dataSync())).not.toEqual(Array.from(first.weight.dataSync()));
    const again = Rng.fromSeed(3);
    const bound = 1 / Math.sqrt(3);
    const expected = Array.from({ length: 8 }, () => Math.fround(again.uniform(-bound, bound)));
    expect([...first.weight.dataSync(), ...first.bias!.dataSync()]).toEqual(expected);

    const forkedA = new Linear({ inFeatures: 3, outFeatures: 2, rng, draw: 'forked' });
    const forkedB = new Linear({ inFeatures: 3, outFeatures: 2, rng, draw: 'forked' });
    expect(Array.from(forkedB.weight.dataSync())).toEqual(Array.from(forkedA.weight.dataSync()));
  });

  it('zeros and Xavier-uniform inits', () => {
    const zero = new Linear({
      inFeatures: 4,
      outFeatures: 3,
      init: 'zeros',
      biasInit: 'zeros',
      rng: Rng.fromSeed(4),
    });
    expect([...zero.weight.dataSync(), ...zero.bias!.dataSync()].every((v) => v === 0)).toBe(true);
    const xavier = new Linear({
      inFeatures: 40,
      outFeatures: 60,
      init: 'xavierUniform',
      rng: Rng.fromSeed(5),
    });
    const largest = Math.max(...xavier.weight.dataSync().map(Math.abs));
    expect(largest).toBeLessThanOrEqual(Math.sqrt(6 / 100));
    expect(largest).toBeGreaterThan(0.95 * Math.sqrt(6 / 100));
  });
});
