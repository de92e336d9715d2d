import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { FeatureAlignHead, PatchQueryHead } from './heads.js';
import { readGolden } from './test-support/golden.js';

interface QueryFixture {
  numQueries: number;
  numPatches: number;
  weights: Record<string, StoredArray>;
  gtFeature: StoredArray;
  keep: StoredArray;
  order: number[];
  queryPos: StoredArray;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixtures = readGolden<{ queries: Record<'plain' | 'shuffled', QueryFixture> }>().queries;

describe('PatchQueryHead', () => {
  for (const name of ['plain', 'shuffled'] as const) {
    it(`equals UPDETR.forward's query_pos (${name}): patch2query, repeat_interleave, keep mask, + query_embed`, () => {
      const f = fixtures[name];
      const [featureDim, dModel] = f.weights['patch2query.weight']!.shape as [number, number];
      const head = new PatchQueryHead({
        featureDim,
        dModel,
        numQueries: f.numQueries,
        numPatches: f.numPatches,
        rng: Rng.fromSeed(0),
      });
      assignStoredWeights(head.variables(), f.weights, { partial: true });
      const features = toTensor<tf.Rank.R2>(f.gtFeature);
      const keep = Float32Array.from(f.keep.data);
      expect(keep.includes(0)).toBe(true);
      const queryPos = head.apply(
        features,
        name === 'shuffled' ? { keep, order: f.order } : { keep },
      );
      expect(queryPos.shape).toEqual(f.queryPos.shape);
      expectClose(queryPos.dataSync(), f.queryPos.data, 1e-5, { relative: 'element' });
      tf.dispose([features, queryPos, ...head.variables().values()]);
    });
  }

  it('draws the keep mask per image and query with P(drop) = maskRatio, and gradients reach patch2query and query_embed', () => {
    const head = new PatchQueryHead({
      featureDim: 6,
      dModel: 4,
      numQueries: 20,
      numPatches: 5,
      rng: Rng.fromSeed(1),
    });
    const draw = head.draw(50, 0.1, false, Rng.fromSeed(2));
    expect(draw.keep!.length).toBe(50 * 20);
    expect(draw.order).toBeUndefined();
    const dropped = draw.keep!.filter((v) => v === 0).length / draw.keep!.length;
    expect(dropped).toBeGreaterThan(0.07);
    expect(dropped).toBeLessThan(0.13);
    expect(
      head
        .draw(1, 0, true, Rng.fromSeed(3))
        .order!.slice()
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const features = tf.randomNormal<tf.Rank.R2>([2 * 5, 6], 0, 1, 'float32', 5);
    const { grads } = tf.variableGrads(() =>
      tf.sum(tf.square(head.apply(features, head.draw(2, 0.1, true, Rng.fromSeed(4))))),
    );
    expect(Object.keys(grads).length).toBe(3);
    for (const g of Object.values(grads))
      expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([features, ...Object.values(grads), ...head.variables().values()]);
  });
});

describe('FeatureAlignHead', () => {
  it("is DETR's 2-layer MLP d → d → C (feature_align.layers.{0,1})", () => {
    const head = new FeatureAlignHead({ dModel: 4, featureDim: 7, rng: Rng.fromSeed(0) });
    expect([...head.variables().keys()]).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    const out = head.apply(tf.ones([2, 3, 4]));
    expect(out.shape).toEqual([2, 3, 7]);
    tf.dispose([out, ...head.variables().values()]);
  });
});
