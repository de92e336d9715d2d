import { Rng } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { cropCoordinates, overlappingPixels } from './overlap.js';
import { expandMask, maskFromView, regionMask } from './region-grid.js';
import { sampleRegionPoints } from './sample-region-points.js';

const source = { width: 80, height: 40 };

describe('regionMask', () => {
  it('labels the whole image’s 4 × 4 lattice 1…16, row-major, and mirrors with the view', () => {
    const whole = { sourceBox: [0, 0, 80, 40] as const, flipped: false, width: 8, height: 8 };
    const mask = regionMask(whole, source, 4, 4);
    expect(Array.from(mask)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const mirrored = regionMask({ ...whole, flipped: true }, source, 4, 4);
    expect(Array.from(mirrored.subarray(0, 4))).toEqual([4, 3, 2, 1]);
  });

  it('shows only the cells under a crop: the top-left quarter holds cells 1, 2, 5, 6', () => {
    const crop = { sourceBox: [0, 0, 40, 20] as const, flipped: false, width: 16, height: 16 };
    expect([...new Set(regionMask(crop, source, 4, 8))].sort((a, b) => a - b)).toEqual([
      1, 2, 5, 6,
    ]);
  });

  it('travels at the view’s resolution and comes back exactly', () => {
    const labels = Int32Array.from({ length: 9 }, (_, i) => i);
    const expanded = expandMask(labels, 3, 4);
    expect(expanded.length).toBe(144);
    expect(expanded[9 * 12 + 5]).toBe(labels[2 * 3 + 1]); // pixel (x 5, y 9) is cell (1, 2)
    expect(Array.from(maskFromView(expanded, 12, 3))).toEqual(Array.from(labels));
  });
});

describe('sampleRegionPoints', () => {
  const query = Int32Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 2)); // top half 1, bottom 2
  const key = Int32Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 2 : 3)); // left 2, right 3

  it('takes the one region both views show as region 0, negatives among each view’s others', () => {
    const points = sampleRegionPoints(
      query,
      key,
      { regions: 3, pointsPerRegion: 5 },
      Rng.fromSeed(1),
    );
    expect(points.shared).toBe(true);
    const labelAt = (mask: Int32Array, all: Int32Array, r: number) =>
      Array.from({ length: 5 }, (_, p) => {
        const at = (r * 5 + p) * 2;
        return mask[all[at]! * 4 + all[at + 1]!];
      });
    expect(labelAt(query, points.query, 0)).toEqual([2, 2, 2, 2, 2]);
    expect(labelAt(key, points.key, 0)).toEqual([2, 2, 2, 2, 2]);
    for (const r of [1, 2]) {
      expect(labelAt(query, points.query, r)).toEqual([1, 1, 1, 1, 1]);
      expect(labelAt(key, points.key, r)).toEqual([3, 3, 3, 3, 3]);
    }
  });

  it('draws every region independently when the views share none (official flag −1)', () => {
    const other = new Int32Array(16).fill(7);
    other[0] = 8;
    const points = sampleRegionPoints(
      query,
      other,
      { regions: 2, pointsPerRegion: 3 },
      Rng.fromSeed(2),
    );
    expect(points.shared).toBe(false);
    expect(points.key.length).toBe(12);
  });
});

describe('cropCoordinates and overlappingPixels', () => {
  it('normalises first and last source pixels by (W − 1, H − 1) and swaps x for a mirror', () => {
    const geometry = { sourceBox: [8, 4, 48, 24] as const, flipped: false, width: 4, height: 4 };
    expect(cropCoordinates(geometry, { width: 81, height: 41 })).toEqual([
      0.1,
      0.1,
      47 / 80,
      23 / 40,
    ]);
    expect(cropCoordinates({ ...geometry, flipped: true }, { width: 81, height: 41 })).toEqual([
      47 / 80,
      0.1,
      0.1,
      23 / 40,
    ]);
  });

  it('pairs each bin with itself in identical crops, and with its mirror image when one is flipped', () => {
    const same = overlappingPixels([0, 0, 1, 1], [0, 0, 1, 1], 4);
    expect(Array.from(same.query)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(Array.from(same.key)).toEqual(Array.from(same.query));
    const mirrored = overlappingPixels([0, 0, 1, 1], [1, 0, 0, 1], 4);
    expect(Array.from(mirrored.key.subarray(0, 4))).toEqual([3, 2, 1, 0]);
  });

  it('finds no pairs between disjoint crops', () => {
    const none = overlappingPixels([0, 0, 0.4, 0.4], [0.6, 0.6, 1, 1], 8);
    expect(none.query.length).toBe(0);
  });
});
