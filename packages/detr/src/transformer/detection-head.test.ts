import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetectionHead } from './detection-head.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('DetectionHead', () => {
  it('starts as Deformable DETR does: class bias −log 99, last box layer weight 0 and bias [0, 0, −2, −2]', () => {
    const head = new DetectionHead({
      dModel: 8,
      numLogits: 3,
      rng: Rng.fromSeed(1),
      deformableInit: true,
    });
    const last = head.bboxEmbed.layers[2]!;
    expect(Array.from(last.bias!.dataSync())).toEqual([0, 0, -2, -2]);
    expect(Array.from(last.weight.dataSync()).every((w) => w === 0)).toBe(true);
    expect(head.classEmbed.bias!.dataSync()[0]).toBeCloseTo(-Math.log(99), 5);
    // Reference point at the centre: boxes start centred there, σ(−2) of the image wide and tall.
    const hs = tf.randomNormal([1, 1, 2, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = head.apply(hs, tf.fill([1, 2, 2], 0.5) as tf.Tensor3D);
    const boxes = out.boxes.dataSync();
    const small = 1 / (1 + Math.exp(2));
    expect(Array.from(boxes).map((v) => Number(v.toFixed(5)))).toEqual(
      [0.5, 0.5, small, small, 0.5, 0.5, small, small].map((v) => Number(v.toFixed(5))),
    );
  });

  it('trains with a single decoder layer (L = 1): every head variable gets a gradient', () => {
    const head = new DetectionHead({ dModel: 8, numLogits: 3, rng: Rng.fromSeed(2) });
    // The decoder output is trained too: the gradient must flow back through the layer split.
    const hs = tf.variable(
      tf.randomNormal([1, 2, 4, 8], 0, 1, 'float32', 4),
    ) as tf.Variable<tf.Rank.R4>;
    const variables = [...head.variables().values(), hs];
    const { value, grads } = tf.variableGrads(() => {
      const out = head.apply(hs as unknown as tf.Tensor4D);
      return tf.add(tf.sum(out.logits), tf.sum(out.boxes)) as tf.Scalar;
    }, variables);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    expect(Object.keys(grads)).toHaveLength(variables.length);
    tf.dispose([value, grads, hs]);
  });
});
