import { Rng } from '@ssdet/core';
import { BadImageError, type Box } from '@ssdet/data';
import { describe, expect, it } from 'vitest';
import { selectRegionPairs } from './region-pairs.js';
import { syntheticSample } from './test-support/tiny.js';
import { boxInView, twoViewsInOuterBox } from './two-view-crop.js';
import { CROPS_A, CROPS_B, SiameseDetrViewGenerator, VIEW_A, VIEW_B } from './views.js';

const iou = (a: Box, b: Box): number => {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
  return (w * h) / (area(a) + area(b) - w * h);
};

const augmentation = {
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
  grayscale: 0.2,
  blur: { sigma: [0.1, 2] as const, p: 0.5 },
};

function generator(numPatches = 4): SiameseDetrViewGenerator {
  return new SiameseDetrViewGenerator({
    scales: [64, 80],
    maxSize: 96,
    flipP: 0.5,
    outerScale: [0.5, 1],
    outerRatio: [3 / 4, 4 / 3],
    viewIou: 0.5,
    stochasticViews: true,
    numPatches,
    areaMinRatio: 0.05,
    padJitter: 0.1,
    viewAugmentation: augmentation,
    cropSize: 16,
    cropAugmentation: augmentation,
  });
}

describe('twoViewsInOuterBox', () => {
  it('solves for IoU = iou exactly without the shrink, and only raises it with the shrink', () => {
    const outer: Box = [10, 20, 210, 170];
    for (const target of [0.3, 0.5, 0.7]) {
      const exact = twoViewsInOuterBox(outer, target, false, () => 0.9);
      expect(iou(exact.viewA, exact.viewB)).toBeCloseTo(target, 10);
      // A is the bottom-right view after the swap (draw 0.9 > 0.5).
      expect(exact.viewA.slice(2)).toEqual([210, 170]);
      const rng = Rng.fromSeed(target * 10);
      for (let i = 0; i < 20; i++) {
        const views = twoViewsInOuterBox(outer, target, true, () => rng.uniform());
        expect(iou(views.viewA, views.viewB)).toBeGreaterThanOrEqual(target - 1e-12);
        const [ix0, iy0, ix1, iy1] = views.intersection;
        // The intersection keeps the outer box's aspect ratio and centre.
        expect((ix1 - ix0) / (iy1 - iy0)).toBeCloseTo(200 / 150, 10);
        expect((ix0 + ix1) / 2).toBeCloseTo(110, 10);
      }
    }
  });
});

describe('selectRegionPairs', () => {
  const frame = () => {
    const views = twoViewsInOuterBox([0, 0, 120, 90], 0.5, false, () => 0);
    return { ...views, width: 120, height: 90 };
  };

  it('puts the intersection first and maps every kept region to the same image box in both views', () => {
    const f = frame();
    const proposals = [20, 20, 70, 60, 30, 25, 90, 70, 0, 0, 5, 5];
    const pairs = selectRegionPairs(
      proposals,
      f,
      { numPatches: 3, areaMinRatio: 0.05, padJitter: 0.1 },
      () => 0,
    )!;
    expect(pairs.kept).toBe(2); // the 5 × 5 box lies outside the intersection
    expect(pairs.padded).toBe(0);
    expect(Array.from(pairs.boxesA.subarray(0, 4))).toEqual(
      boxInView(f.intersection, f.viewA, 120, 90),
    );
    expect(Array.from(pairs.boxesB.subarray(0, 4))).toEqual(
      boxInView(f.intersection, f.viewB, 120, 90),
    );
    // Region 1 is proposal 0 clamped to the intersection: the same image box seen from A and B.
    const toImage = (box: ArrayLike<number>, view: Box): number[] =>
      [0, 1, 2, 3].map((c) => {
        const scale = c % 2 === 0 ? (view[2] - view[0]) / 120 : (view[3] - view[1]) / 90;
        return box[c]! * scale + view[c % 2]!;
      });
    const a = toImage(pairs.boxesA.subarray(4, 8), f.viewA);
    const b = toImage(pairs.boxesB.subarray(4, 8), f.viewB);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 9));
  });

  it('pads with jittered copies inside the intersection when too few survive, and gives up when none do', () => {
    const f = frame();
    const pairs = selectRegionPairs(
      [30, 25, 80, 60],
      f,
      { numPatches: 5, areaMinRatio: 0.05, padJitter: 0.1 },
      () => 3,
    )!;
    expect([pairs.kept, pairs.padded]).toEqual([1, 3]);
    const [ix0, iy0, ix1, iy1] = boxInView(f.intersection, f.viewA, 120, 90);
    for (let k = 2; k < 5; k++) {
      const [x0, y0, x1, y1] = pairs.boxesA.subarray(k * 4, k * 4 + 4);
      // n = 3 moves every edge by (σ(3)·2 − 1)·10% of the size: right/down, clamped to I − 1.
      expect(x0).toBeGreaterThan(pairs.boxesA[4]!);
      expect(x1).toBeLessThanOrEqual(ix1 - 1);
      expect(y1).toBeLessThanOrEqual(iy1 - 1);
      expect(x0).toBeGreaterThanOrEqual(ix0);
      expect(y0).toBeGreaterThanOrEqual(iy0);
    }
    expect(
      selectRegionPairs(
        [0, 0, 3, 3],
        f,
        { numPatches: 5, areaMinRatio: 0.05, padJitter: 0.1 },
        () => 0,
      ),
    ).toBeUndefined();
  });
});

describe('SiameseDetrViewGenerator', () => {
  it('makes two padded views of one size with M region boxes each, and M crops per view', () => {
    const views = generator();
    const sample = syntheticSample(110, 80, 3);
    const proposals = new Float32Array([
      10, 10, 60, 50, 30, 20, 100, 70, 40, 30, 80, 75, 5, 5, 105, 75,
    ]);
    for (let seed = 0; seed < 5; seed++) {
      const out = views.generate(sample, { boxes: proposals }, Rng.fromSeed(seed));
      expect(out.map((v) => v.name)).toEqual([VIEW_A, VIEW_B, CROPS_A, CROPS_B]);
      const [a, b, cropsA, cropsB] = out as [
        (typeof out)[0],
        (typeof out)[0],
        (typeof out)[0],
        (typeof out)[0],
      ];
      expect([a.width, a.height, b.width, b.height]).toEqual([96, 96, 96, 96]);
      expect([a.geometry.width, a.geometry.height]).toEqual([b.geometry.width, b.geometry.height]);
      expect(a.boxIds).toEqual(Int32Array.from([0, 1, 2, 3]));
      for (const view of [a, b]) {
        const { width, height } = view.geometry;
        for (let i = 0; i < 16; i += 4) {
          expect(view.boxes![i]!).toBeGreaterThanOrEqual(-1e-4);
          expect(view.boxes![i + 2]!).toBeLessThanOrEqual(width + 1e-4);
          expect(view.boxes![i + 3]!).toBeLessThanOrEqual(height + 1e-4);
          expect(view.boxes![i + 2]!).toBeGreaterThanOrEqual(view.boxes![i]!);
        }
        // Zero padding beyond the view's own size.
        expect(view.pixels[(95 * 96 + 95) * 3]).toBe(0);
      }
      expect([cropsA.width, cropsA.height, cropsB.height]).toEqual([16, 64, 64]);
    }
  });

  it('rejects an image whose proposals all miss the views as a bad image', () => {
    expect(() =>
      generator().generate(
        syntheticSample(110, 80, 4),
        { boxes: new Float32Array(0) },
        Rng.fromSeed(1),
      ),
    ).toThrow(BadImageError);
  });
});
