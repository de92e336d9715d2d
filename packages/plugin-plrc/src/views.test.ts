import { Rng, type Sample } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { maskFromView } from './regions/region-grid.js';
import { PlrcViewGenerator, cropOverlap } from './views.js';

const sample: Sample = {
  record: { id: 'a', path: '/a.png' },
  image: {
    width: 120,
    height: 90,
    pixels: Uint8Array.from({ length: 120 * 90 * 3 }, (_, i) => (i * 7) % 256),
  },
};

const generator = new PlrcViewGenerator({
  imageSize: 32,
  cropScale: [0.2, 1],
  minOverlap: 0.5,
  maxRedraws: 100,
  grid: 4,
  maskSize: 8,
});

const box = (g: { sourceBox: readonly [number, number, number, number] }) =>
  g.sourceBox as [number, number, number, number];

describe('PlrcViewGenerator', () => {
  it('gives query, key and extra views; masks on query and key, the source box on query and extra', () => {
    const views = generator.generate(sample, undefined, Rng.fromSeed(1));
    expect(views.map((v) => v.name)).toEqual(['query', 'key', 'extra']);
    const [query, key, extra] = views;
    for (const view of views) expect(view.pixels.length).toBe(32 * 32 * 3);
    expect(query!.mask?.width).toBe(32);
    expect(key!.mask?.labels.length).toBe(32 * 32);
    expect(extra!.mask).toBeUndefined();
    expect(key!.boxes).toBeUndefined();
    const labels = maskFromView(query!.mask!.labels, 32, 8);
    for (const label of labels) expect(label >= 1 && label <= 16).toBe(true);
  });

  it('redraws the query/extra pair until intersection / larger area ≥ 0.5, on a seeded stream', () => {
    for (let seed = 0; seed < 20; seed++) {
      const [query, , extra] = generator.generate(sample, undefined, Rng.fromSeed(seed));
      expect(cropOverlap(box(query!.geometry), box(extra!.geometry))).toBeGreaterThanOrEqual(0.5);
    }
    const again = (seed: number) =>
      generator.generate(sample, undefined, Rng.fromSeed(seed)).map((v) => box(v.geometry));
    expect(again(3)).toEqual(again(3));
    expect(again(3)).not.toEqual(again(4));
  });

  it('cropOverlap is the intersection over the larger area', () => {
    expect(cropOverlap([0, 0, 10, 10], [5, 0, 15, 10])).toBe(0.5);
    expect(cropOverlap([0, 0, 10, 10], [0, 0, 5, 5])).toBe(0.25);
  });
});
