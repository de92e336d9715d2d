import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeVariables } from '@ssdet/nn';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { readFixture } from '../test-support/fixtures.js';
import { MultiLevelInputProjection } from './multi-level-input-projection.js';

interface InputProjectionFixture {
  backboneChannels: number[];
  dModel: number;
  numLevels: number;
  weights: Record<string, StoredArray>;
  features: StoredArray[];
  outputs: StoredArray[];
  cotangents: StoredArray[];
  gradFeatures: StoredArray[];
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixture = readFixture<InputProjectionFixture>('input-projection.json');

describe('MultiLevelInputProjection equals Deformable DETR input_proj (Conv + GroupNorm(32, d))', () => {
  const projection = new MultiLevelInputProjection({
    backboneChannels: fixture.backboneChannels,
    dModel: fixture.dModel,
    numLevels: fixture.numLevels,
    rng: Rng.fromSeed(0),
  });
  assignStoredWeights(projection.variables(), fixture.weights);

  it('every level, the extra ones from C5 and then from the previous level, within 1e-4', () => {
    tf.tidy(() => {
      const outputs = projection.apply(fixture.features.map((f) => toTensor(f) as tf.Tensor4D));
      expect(outputs).toHaveLength(fixture.numLevels);
      outputs.forEach((out, l) => expectClose(out, fixture.outputs[l]!));
    });
  });

  it('gradients w.r.t. the backbone maps within 1e-4', () => {
    tf.tidy(() => {
      const cotangents = fixture.cotangents.map((c) => toTensor(c));
      const grads = tf.grads((...features: tf.Tensor[]) =>
        tf.addN(
          projection
            .apply(features as tf.Tensor4D[])
            .map((out, l) => tf.sum(tf.mul(out, cotangents[l]!))),
        ),
      )(fixture.features.map((f) => toTensor(f)));
      grads.forEach((grad, l) => expectClose(grad, fixture.gradFeatures[l]!));
    });
  });

  it('default initialisation: Xavier-uniform conv weights, zero biases, identity GroupNorm', () => {
    const fresh = new MultiLevelInputProjection({
      backboneChannels: [64, 128, 256],
      dModel: 64,
      rng: Rng.fromSeed(1),
    });
    const names = [...fresh.variables().keys()];
    expect(names).toHaveLength(16);
    expect(names.slice(12)).toEqual(['3.0.weight', '3.0.bias', '3.1.weight', '3.1.bias']);
    expect(fresh.levels[3]!.weight.shape).toEqual([3, 3, 256, 64]);
    const weights = Array.from(fresh.levels[0]!.weight.dataSync());
    const largest = weights.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    const bound = Math.sqrt(6 / (64 + 64));
    expect(largest).toBeLessThanOrEqual(bound);
    expect(largest).toBeGreaterThan(0.95 * bound);
    expect(fresh.levels[0]!.bias.dataSync().every((v) => v === 0)).toBe(true);
    disposeVariables(fresh);
  });

  it('names the expected channels when the backbone maps do not fit', () => {
    tf.tidy(() => {
      expect(() =>
        projection.apply([
          tf.zeros([1, 4, 4, 8]) as tf.Tensor4D,
          tf.zeros([1, 2, 2, 8]) as tf.Tensor4D,
        ]),
      ).toThrow(/expects 3 maps with channels \[8, 12, 16\]; got \[8, 8\]/);
    });
  });
});
