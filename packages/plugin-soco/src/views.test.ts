import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clipToView,
  commonIds,
  jitterBoxes,
  padToK,
  proposalsOverlapping,
  selectProposals,
} from './box-selection.js';
import { SocoViewGenerator, cutoutInBoxes, type SocoViewOptions } from './views.js';
import { tinySample } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const set = (rows: number[][]) => ({
  boxes: Float32Array.from(rows.flatMap((r) => r.slice(0, 4))),
  ids: Int32Array.from(rows.map((r) => r[4]!)),
});

const OPTIONS: SocoViewOptions = {
  imageSize: 64,
  smallSize: 32,
  resizedSize: 0,
  cropScale: [0.5, 1],
  flipP: 0.5,
  cutout: { enabled: true, p: 0.5, ratio: [0.1, 0.3] },
  boxes: { k: 4, maxTries: 5, jitterP: 0.5, jitterRatio: 0.1, padding: 'copies' },
};

describe('box selection', () => {
  const proposals = set([
    [0, 0, 10, 10, 0],
    [20, 20, 40, 40, 1],
    [50, 50, 60, 60, 2],
    [5, 5, 55, 55, 3],
  ]);

  it('keeps proposals whose interior meets the overlap of two views (touching edges do not count)', () => {
    expect(Array.from(proposalsOverlapping(proposals, [10, 10, 45, 45]).ids)).toEqual([1, 3]);
  });

  it('draws k without replacement, or keeps all when there are no more than k', () => {
    const rng = Rng.fromSeed(1);
    const two = selectProposals(proposals, 2, rng);
    expect(two.ids.length).toBe(2);
    expect(new Set(two.ids).size).toBe(2);
    expect(Array.from(selectProposals(proposals, 4, rng).ids)).toEqual([0, 1, 2, 3]);
  });

  it('jitters with probability p by at most ratio × size per coordinate', () => {
    const rng = Rng.fromSeed(2);
    const many = set(Array.from({ length: 400 }, (_, i) => [100, 100, 200, 150, i]));
    const out = jitterBoxes(many, 0.5, 0.1, rng);
    let moved = 0;
    for (let i = 0; i < 400; i++) {
      const [x0, y0, x1, y1] = Array.from(out.boxes.subarray(4 * i, 4 * i + 4));
      if (x0 !== 100 || y0 !== 100 || x1 !== 200 || y1 !== 150) moved += 1;
      expect(Math.abs(x0! - 100)).toBeLessThanOrEqual(10 + 1e-4);
      expect(Math.abs(y0! - 100)).toBeLessThanOrEqual(5 + 1e-4);
      expect(Math.abs(x1! - x0! - 100)).toBeLessThanOrEqual(10 + 1e-4);
    }
    expect(moved).toBeGreaterThan(150);
    expect(moved).toBeLessThan(250);
    expect(jitterBoxes(many, 0, 0.1, rng).boxes).toEqual(many.boxes);
  });

  it('clips to the view, and stands in the whole view with the fallback id when nothing is left', () => {
    const clipped = clipToView(proposals, [8, 8, 30, 30], 99);
    expect(Array.from(clipped.ids)).toEqual([0, 1, 3]);
    expect(Array.from(clipped.boxes.subarray(0, 4))).toEqual([8, 8, 10, 10]);
    const none = clipToView(proposals, [70, 70, 80, 80], 99);
    expect(Array.from(none.ids)).toEqual([99]);
    expect(Array.from(none.boxes)).toEqual([70, 70, 80, 80]);
  });

  it('pads to k with copies of boxes both views show (copies are exact; jittered copies stay in the view)', () => {
    const first = set([
      [0, 0, 10, 10, 0],
      [20, 20, 40, 40, 1],
    ]);
    const other = set([[20, 20, 30, 30, 1]]);
    const common = commonIds(first, other);
    expect([...common]).toEqual([1]);
    const padded = padToK(first, common, 4, Rng.fromSeed(3), [0, 0, 64, 64]);
    expect(Array.from(padded.ids)).toEqual([0, 1, 1, 1]);
    expect(Array.from(padded.boxes.subarray(8))).toEqual([20, 20, 40, 40, 20, 20, 40, 40]);
    const jittered = padToK(first, common, 4, Rng.fromSeed(3), [0, 0, 64, 64], 0.1);
    expect(Array.from(jittered.ids)).toEqual([0, 1, 1, 1]);
    expect(Array.from(jittered.boxes.subarray(8))).not.toEqual([20, 20, 40, 40, 20, 20, 40, 40]);
    for (const value of jittered.boxes) expect(value).toBeGreaterThanOrEqual(0);
  });
});

describe('SocoViewGenerator', () => {
  it('makes V1 (whole image), V2, V3 with k boxes per pair whose ids match across the pair', async () => {
    const views = new SocoViewGenerator(OPTIONS);
    expect(views.viewNames).toEqual(['v1', 'v2', 'v3']);
    const { sample, regions } = tinySample(1);
    for (let seed = 0; seed < 5; seed++) {
      const [v1, v2, v3] = views.generate(sample, regions, Rng.fromSeed(seed));
      expect([v1!.width, v2!.width, v3!.width]).toEqual([64, 64, 32]);
      expect(v1!.geometry.sourceBox).toEqual([0, 0, 96, 72]);
      expect(v1!.boxIds!.length).toBe(8);
      expect(v2!.boxIds!.length).toBe(4);
      expect(v3!.boxIds!.length).toBe(4);
      for (const [offset, other] of [
        [0, v2!],
        [4, v3!],
      ] as const) {
        const firstIds = new Set(v1!.boxIds!.subarray(offset, offset + 4));
        // Every box of the other view is a proposal V1's set of this pair also carries.
        for (const id of other.boxIds!) expect(firstIds.has(id)).toBe(true);
      }
      for (const view of [v1!, v2!, v3!]) {
        for (let i = 0; i < view.boxes!.length; i += 4) {
          expect(view.boxes![i + 2]!).toBeGreaterThan(view.boxes![i]!);
          expect(view.boxes![i + 2]!).toBeLessThanOrEqual(view.width);
        }
      }
    }
  });

  it('SoCo* adds V4 = V2 resized, with V2 boxes scaled and V1 carrying a third set equal to its first', () => {
    const views = new SocoViewGenerator({
      ...OPTIONS,
      resizedSize: 16,
      flipP: 0,
      cutout: { ...OPTIONS.cutout, enabled: false },
    });
    const { sample, regions } = tinySample(2);
    const [v1, v2, , v4] = views.generate(sample, regions, Rng.fromSeed(4));
    expect(views.viewNames).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(v4!.geometry.sourceBox).toEqual(v2!.geometry.sourceBox);
    expect(Array.from(v4!.boxIds!)).toEqual(Array.from(v2!.boxIds!));
    v4!.boxes!.forEach((value, i) => expect(value).toBeCloseTo(v2!.boxes![i]! / 4, 4));
    expect(Array.from(v1!.boxes!.subarray(32, 48))).toEqual(Array.from(v1!.boxes!.subarray(0, 16)));
    expect(Array.from(v1!.boxIds!.subarray(8, 12))).toEqual(Array.from(v1!.boxIds!.subarray(0, 4)));
  });

  it('cuts out squares inside boxes only', () => {
    const image = { width: 32, height: 32, data: new Float32Array(32 * 32 * 3).fill(1) };
    cutoutInBoxes(
      image,
      Float32Array.from([8, 8, 24, 24]),
      { p: 1, ratio: [0.3, 0.3] },
      Rng.fromSeed(5),
    );
    let zeros = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        if (image.data[(y * 32 + x) * 3] === 0) {
          zeros += 1;
          expect(x >= 8 - 5 && x < 24 + 5 && y >= 8 - 5 && y < 24 + 5).toBe(true);
        }
      }
    }
    expect(zeros).toBeGreaterThan(0);
  });
});
