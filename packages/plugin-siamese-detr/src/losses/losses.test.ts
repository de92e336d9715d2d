import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { globalDiscriminationLoss } from './global-discrimination-loss.js';
import { regionDiscriminationLoss } from './region-discrimination-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const scalar = (fn: () => tf.Scalar): number => tf.tidy(() => fn().dataSync()[0]!);

describe('regionDiscriminationLoss', () => {
  it('is Σ‖f̂/‖f̂‖ − f/‖f‖‖² / (B·M) on hand-checkable pairs', () => {
    const value = (p: number[][], t: number[][], n: number) =>
      scalar(() => regionDiscriminationLoss(tf.tensor2d(p), tf.tensor2d(t), n));
    // Same direction → 0, orthogonal → 2, opposite → 4; normalised by B·M, not by the pairs.
    expect(value([[3, 0]], [[1, 0]], 1)).toBeCloseTo(0, 6);
    expect(value([[1, 0]], [[0, 2]], 1)).toBeCloseTo(2, 6);
    expect(
      value(
        [
          [1, 0],
          [0, 1],
        ],
        [
          [-1, 0],
          [1, 0],
        ],
        10,
      ),
    ).toBeCloseTo(0.6, 6);
  });
});

describe('globalDiscriminationLoss', () => {
  it('is ½(2 − 2cos(p_A, z_B)) + ½(2 − 2cos(p_B, z_A)) and sends no gradient into the projections', () => {
    const latents = (p: number[][], z: number[][]) => ({
      prediction: tf.tensor2d(p),
      projection: tf.tensor2d(z),
    });
    // cos(p_A, z_B) = 0 (orthogonal), cos(p_B, z_A) = 1 → ½·2 + ½·0 = 1.
    expect(
      scalar(() =>
        globalDiscriminationLoss(latents([[1, 0]], [[5, 5]]), latents([[1, 1]], [[0, 2]])),
      ),
    ).toBeCloseTo(1, 6);
    const zA = tf.tensor2d([[1, 2, 3]]);
    const pA = tf.tensor2d([[0.5, -1, 2]]);
    const zB = tf.tensor2d([[-1, 0, 1]]);
    const pB = tf.tensor2d([[2, 1, 0]]);
    const grads = tf.grads((za: tf.Tensor, pa: tf.Tensor) =>
      globalDiscriminationLoss(
        { projection: za as tf.Tensor2D, prediction: pa as tf.Tensor2D },
        { projection: zB, prediction: pB },
      ),
    )([zA, pA]);
    expect(Array.from(grads[0]!.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(grads[1]!.dataSync()).some((g) => Math.abs(g) > 1e-3)).toBe(true);
    tf.dispose([zA, pA, zB, pB, ...grads]);
  });
});
