import { Rng, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskGrid } from './mask-grid.js';
import { poolMasked, sampledMasks } from './pool-masked.js';
import { sampleMaskIds } from './sample-mask-ids.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('maskGrid', () => {
  it('gives each cell its majority id, the smaller on a tie, and drops the partial cells', () => {
    // 4 × 3 pixels, cells of 2: one whole row of cells (the last pixel row is dropped).
    // cell 0: ids 5,5,7,1 → 5; cell 1: 3,3,2,2 → tie → 2.
    const labels = Int32Array.from([5, 5, 3, 3, 7, 1, 2, 2, 9, 9, 9, 9]);
    const grid = maskGrid({ width: 4, height: 3, labels }, 2);
    expect([grid.width, grid.height]).toEqual([2, 1]);
    expect(Array.from(grid.ids)).toEqual([5, 2]);
  });

  it('wraps labels past maxMaskId (the official uint8 masks) and refuses a mask smaller than a cell', () => {
    const grid = maskGrid({ width: 1, height: 1, labels: Int32Array.from([300]) }, 1);
    expect(Array.from(grid.ids)).toEqual([44]);
    expect(() => maskGrid({ width: 16, height: 64, labels: new Int32Array(1024) }, 32)).toThrow(
      /no whole 32 × 32 cell/,
    );
  });
});

describe('sampleMaskIds', () => {
  it('draws uniformly, with replacement, among the ids present only', () => {
    const grid = Int32Array.from([4, 4, 4, 4, 4, 4, 9, 2]);
    const ids = sampleMaskIds(grid, 3000, Rng.fromSeed(1));
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([2, 4, 9]);
    // Uniform over masks, not over cells: id 4 covers 6 of 8 cells but gets a third of the draws.
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });
});

describe('poolMasked', () => {
  it('averages the feature vectors under each mask; an empty mask gives zeros', () => {
    // One image, a 1 × 3 grid of 2-D features.
    const features = tf.tensor4d([1, 10, 3, 30, 5, 50], [1, 1, 3, 2]);
    const masks = tf.tensor3d(
      sampledMasks([Int32Array.from([0, 1, 1])], [Int32Array.from([1, 0, 7])]),
      [1, 3, 3],
    );
    const pooled = poolMasked(features, masks);
    expect(Array.from(pooled.dataSync())).toEqual([4, 40, 1, 10, 0, 0]);
    tf.dispose([features, masks, pooled]);
  });
});
