import { Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { WeightNormLinear } from './weight-norm-linear.js';

useCpuBackend();

describe('WeightNormLinear', () => {
  it('uses unit-norm columns times g: y = x · g·v/‖v‖', () => {
    const layer = new WeightNormLinear({ inFeatures: 2, outFeatures: 2, rng: Rng.fromSeed(1) });
    layer.direction.assign(
      tf.tensor2d([
        [3, 0],
        [4, 2],
      ]),
    );
    const y = layer.forward(tf.tensor2d([[1, 1]]));
    expectValues(y, [7 / 5, 1], 1e-6, [1, 2]);
    layer.scale.assign(tf.tensor1d([2, -1]));
    expectValues(layer.forward(tf.tensor2d([[1, 1]])), [14 / 5, -1], 1e-6);
    expect([...layer.variables().keys()]).toEqual(['weight_g', 'weight_v']);
  });

  it('fixes g at 1 unless asked (DINO norm_last_layer), and the output ignores ‖v‖', () => {
    const fixed = new WeightNormLinear({ inFeatures: 4, outFeatures: 3, rng: Rng.fromSeed(2) });
    expect(fixed.scale.trainable).toBe(false);
    expect(Array.from(fixed.scale.dataSync())).toEqual([1, 1, 1]);
    expect(fixed.direction.trainable).toBe(true);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const before = Array.from(fixed.forward(x).dataSync());
    fixed.direction.assign(tf.mul(fixed.direction, 7));
    expectValues(fixed.forward(x), before, 1e-5);
    const learnt = new WeightNormLinear({
      inFeatures: 4,
      outFeatures: 3,
      trainableScale: true,
      rng: Rng.fromSeed(2),
    });
    expect(learnt.scale.trainable).toBe(true);
    // The gradient of v is orthogonal to v (the output does not depend on ‖v‖).
    const { grads } = tf.variableGrads(
      () => tf.sum(learnt.forward(x)) as tf.Scalar,
      [learnt.direction],
    );
    const radial = tf.sum(tf.mul(grads[learnt.direction.name]!, learnt.direction), 0);
    expectValues(radial, [0, 0, 0], 1e-4);
  });
});
