import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { contrastiveDetection } from './contrastive-detection.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const ids = (...rows: number[][]) => rows.map((row) => Int32Array.from(row));

describe('contrastiveDetection on hand-checkable inputs', () => {
  it('one image, two masks, orthogonal vectors: each direction is log(1 + e^0 + e^0 + …) by hand', () => {
    // B = 1, K = 2, masks 0 and 1 in both views, e₁ for mask 0 and e₂ for mask 1 everywhere.
    const v = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    const loss = contrastiveDetection({
      predictions: [v, v],
      targets: [v, v],
      predictionIds: [ids([0, 1]), ids([0, 1])],
      targetIds: [ids([0, 1]), ids([0, 1])],
      temperature: 1,
    });
    // Slot of mask 0: cross logits [1, 0], own-view logits [1 − 10⁹ (itself), 0]; positive 1.
    // CE = log(e¹ + e⁰ + e⁰) − 1, the same for every slot, weight 1; two directions.
    const expected = 2 * (Math.log(Math.E + 2) - 1);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([v, loss]);
  });

  it('a slot without a positive counts 0, a mask drawn twice counts once', () => {
    const v = tf.tensor3d([
      [
        [1, 0],
        [1, 0],
        [0, 1],
      ],
    ]);
    const single = contrastiveDetection({
      predictions: [v, v],
      targets: [v, v],
      // View 1 drew mask 0 twice and mask 5 (absent from view 2); view 2 drew 0, 0, 3.
      predictionIds: [ids([0, 0, 5]), ids([0, 0, 3])],
      targetIds: [ids([0, 0, 5]), ids([0, 0, 3])],
      temperature: 0.5,
    });
    // Only the mask-0 slots have positives; each weighs 1/2, so L = 2 × (1/3)·CE₀ per direction…
    const ce = (positiveLogit: number, logits: number[]) =>
      Math.log(logits.reduce((a, z) => a + Math.exp(z), 0)) - positiveLogit;
    // Slot (0, mask 0) of view 1: cross [2, 2, 0] (positives the first two, mean 2), own view
    // [masked, masked, 0].
    const ce0 = ce(2, [2, 2, 0, 0]);
    expect(single.dataSync()[0]).toBeCloseTo(2 * ((2 * 0.5 * ce0) / 3), 5);
    tf.dispose([v, single]);
  });
});
