import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Loss } from '../contracts/loss.js';
import '../tensor/register-gradients.js';
import { selectBackend } from '../tensor/select-backend.js';
import { combineLosses, evaluateLoss } from './combine-losses.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** L = mean(x²). */
const meanSquare = (name: string, weight: number): Loss<tf.Tensor> => ({
  name,
  weight,
  compute: (x) => tf.mean(tf.square(x)) as tf.Scalar,
});

describe('combineLosses', () => {
  it('total = Σ wᵢ·Lᵢ, each term weighted; a scheduled weight overrides the loss’s own', () => {
    const x = tf.tensor1d([1, 2, 3]); // mean(x²) = 14/3
    const y = tf.tensor1d([2, 2]); // mean(y²) = 4
    const before = tf.memory().numTensors;
    // As inside a method's loss: evaluated in a tidy that keeps only the output.
    const output = tf.tidy(() =>
      combineLosses([
        evaluateLoss(meanSquare('a', 0.5), x),
        evaluateLoss(meanSquare('b', 1), y, 0.25),
      ]),
    );
    expect(tf.memory().numTensors - before).toBe(3);
    expect(output.terms['a']!.dataSync()[0]).toBeCloseTo(7 / 3, 5);
    expect(output.terms['b']!.dataSync()[0]).toBeCloseTo(1, 5);
    expect(output.total.dataSync()[0]).toBeCloseTo(7 / 3 + 1, 5);
    tf.dispose([output.total, ...Object.values(output.terms)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('differentiates through the weights', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const gradient = tf.grad(
      (v: tf.Tensor) => combineLosses([evaluateLoss(meanSquare('a', 3), v)]).total,
    )(x);
    // d/dx 3·mean(x²) = 6x/3 = 2x
    expect(Array.from(gradient.dataSync())).toEqual([2, 4, 6]);
  });

  it('refuses no losses and two losses under one name', () => {
    const x = tf.tensor1d([1]);
    expect(() => combineLosses([])).toThrow(/at least one/);
    expect(() =>
      combineLosses([evaluateLoss(meanSquare('a', 1), x), evaluateLoss(meanSquare('a', 2), x)]),
    ).toThrow(/Two losses are named "a"/);
  });
});
