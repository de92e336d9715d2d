import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureReconstructionLoss } from './feature-reconstruction-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const value = (predicted: number[][], target: number[][], numBoxes: number): number =>
  tf.tidy(() =>
    featureReconstructionLoss(tf.tensor2d(predicted), tf.tensor2d(target), numBoxes).dataSync(),
  )[0]!;

describe('featureReconstructionLoss', () => {
  it('is Σ‖p̂/‖p̂‖ − p/‖p‖‖² / N on hand-checkable pairs', () => {
    // same direction (scale ignored) → 0; orthogonal → 2; opposite → 4; over N = 4 boxes.
    expect(value([[2, 0]], [[5, 0]], 1)).toBeCloseTo(0, 6);
    expect(value([[1, 0]], [[0, 3]], 1)).toBeCloseTo(2, 6);
    expect(value([[1, 1]], [[-2, -2]], 1)).toBeCloseTo(4, 6);
    expect(
      value(
        [
          [1, 0],
          [1, 1],
        ],
        [
          [0, 3],
          [-2, -2],
        ],
        4,
      ),
    ).toBeCloseTo(6 / 4, 6);
    // 60° apart: ‖a − b‖² = 2 − 2cos 60° = 1.
    expect(value([[1, 0]], [[0.5, Math.sqrt(3) / 2]], 1)).toBeCloseTo(1, 5);
  });

  it('is finite for a zero vector (F.normalize clamps the norm at 1e-12) and has gradients', () => {
    expect(value([[0, 0]], [[1, 0]], 1)).toBeCloseTo(1, 6);
    const target = tf.tensor2d([[0, 1, 0]]);
    const grad = tf.grad((p: tf.Tensor) => featureReconstructionLoss(p as tf.Tensor2D, target, 1))(
      tf.tensor2d([[1, 1, 0]]),
    );
    const g = Array.from(grad.dataSync());
    expect(g.every(Number.isFinite)).toBe(true);
    // Moving p̂ towards the target direction lowers the loss: the y-gradient is negative.
    expect(g[1]!).toBeLessThan(0);
    tf.dispose([target, grad]);
  });
});
