import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SsdetError } from '../errors/ssdet-error.js';
import { layerNorm } from './layer-norm.js';
import './register-gradients.js';
import { selectBackend } from './select-backend.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('layerNorm', () => {
  it('normalises each row with its biased variance, then scales and shifts', () => {
    const y = tf.tidy(() =>
      layerNorm(
        tf.tensor2d([
          [1, 2, 3, 6],
          [-1, -1, 1, 1],
        ]),
        tf.tensor1d([1, 2, 1, 1]),
        tf.tensor1d([0, 0, 0, 10]),
        0,
      ),
    );
    // Row 1: mean 3, variance 3.5; row 2: mean 0, variance 1.
    const s = Math.sqrt(3.5);
    const expected = [-2 / s, (2 * -1) / s, 0, 3 / s + 10, -1, -2, 1, 11];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    y.dispose();
  });

  it('names the shapes when γ or β does not match the last axis', () => {
    const x = tf.zeros([2, 3]);
    const gamma = tf.ones([4]) as tf.Tensor1D;
    expect(() => layerNorm(x, gamma, gamma)).toThrow(SsdetError);
    expect(() => layerNorm(x, gamma, gamma)).toThrow(/x \[2, 3\], gamma \[4\], beta \[4\]/);
    tf.dispose([x, gamma]);
  });
});
