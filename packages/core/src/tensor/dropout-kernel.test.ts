import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { philox4x32 } from '../random/philox.js';
import { dropoutBySeed, dropoutMultipliers } from './dropout-kernel.js';
import './register-gradients.js';
import { selectBackend } from './select-backend.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('dropoutMultipliers', () => {
  it('keeps element i where word i mod 4 of Philox block ⌊i/4⌋ is below keep·2³², with 1/keep in float32', () => {
    const keep = 0.7;
    const seed = 99;
    const values = dropoutMultipliers(10, { keep, seed });
    const words = new Uint32Array(4);
    for (let i = 0; i < 10; i++) {
      philox4x32([Math.floor(i / 4), 0, 0, 0], [seed, 0], words);
      expect(values[i]).toBe(words[i % 4]! < keep * 2 ** 32 ? Math.fround(1 / keep) : 0);
    }
  });

  it('keeps a fraction keep of the elements, independently between seeds', () => {
    const size = 400_000;
    const a = dropoutMultipliers(size, { keep: 0.9, seed: 1 });
    const b = dropoutMultipliers(size, { keep: 0.9, seed: 2 });
    let keptA = 0;
    let keptBoth = 0;
    for (let i = 0; i < size; i++) {
      if (a[i]! > 0) keptA += 1;
      if (a[i]! > 0 && b[i]! > 0) keptBoth += 1;
    }
    // Standard deviations: 0.00047 for the kept fraction, 0.00062 for both (0.81 if independent).
    expect(keptA / size).toBeCloseTo(0.9, 2);
    expect(Math.abs(keptBoth / size - 0.81)).toBeLessThan(0.003);
  });
});

describe('dropoutBySeed', () => {
  it('multiplies by the mask and differentiates through the same mask, leaking no tensors', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(
      Array.from({ length: 12 }, (_, i) => i + 1),
      [3, 4],
    );
    const attrs = { keep: 0.5, seed: 7 };
    const mask = dropoutMultipliers(12, attrs);
    const y = dropoutBySeed(x, attrs);
    const gradient = tf.grad((v: tf.Tensor) => tf.sum(dropoutBySeed(v, attrs)))(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(mask, (m, i) => m * (i + 1)));
    expect(Array.from(gradient.dataSync())).toEqual(Array.from(mask));
    tf.dispose([x, y, gradient]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
