import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './register-gradients.js';
import { selectBackend } from './select-backend.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** Ops whose gradients save inputs (matMul, mul), outputs (tanh, exp) or both (div). */
function loss(w: tf.Tensor, x: tf.Tensor): tf.Scalar {
  const h = tf.tanh(tf.matMul(x, w));
  return tf.sum(tf.div(tf.mul(tf.exp(h), h), tf.add(tf.square(w), 1).sum()));
}

describe('tensors saved for the backward pass', () => {
  it('are made without running Identity, and gradients are those computed by hand', async () => {
    const x = tf.tensor2d([
      [0.5, -1],
      [2, 0.25],
    ]);
    const w = tf.tensor2d([
      [0.3, -0.2],
      [0.1, 0.4],
    ]);
    const before = tf.memory().numTensors;
    let gradient: number[] = [];
    const profile = await tf.profile(() => {
      const g = tf.grad((v: tf.Tensor) => loss(v, x))(w);
      gradient = Array.from(g.dataSync());
      g.dispose();
    });
    expect(profile.kernels.filter((k) => k.name === 'Identity')).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    // Central differences in float64 of the same loss.
    const wv = [0.3, -0.2, 0.1, 0.4];
    const xv = [0.5, -1, 2, 0.25];
    const f = (p: number[]): number => {
      const denom = p.reduce((s, v) => s + v * v + 1, 0);
      let total = 0;
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < 2; c++) {
          const h = Math.tanh(xv[r * 2]! * p[c]! + xv[r * 2 + 1]! * p[2 + c]!);
          total += (Math.exp(h) * h) / denom;
        }
      }
      return total;
    };
    wv.forEach((_, i) => {
      const up = wv.map((v, j) => (j === i ? v + 1e-6 : v));
      const down = wv.map((v, j) => (j === i ? v - 1e-6 : v));
      expect(gradient[i]).toBeCloseTo((f(up) - f(down)) / 2e-6, 4);
    });
    tf.dispose([x, w]);
  });

  it('still carry higher-order gradients: d²/dx² of x³ is 6x', () => {
    const x = tf.tensor1d([1.5, -2]);
    const second = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(v)),
    )(x);
    expect(Array.from(second.dataSync())).toEqual([9, -12]);
    tf.dispose([x, second]);
  });
});
