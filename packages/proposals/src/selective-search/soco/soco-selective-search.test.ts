import { describe, expect, it } from 'vitest';
import { socoFixture, socoPhoto } from '../../test-support/fixtures.js';
import { socoRectsToBoxes, socoSelectiveSearch } from './soco-selective-search.js';

type Rect = readonly number[];

function rows(flat: Int32Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) =>
    Array.from(flat.subarray(i * width, (i + 1) * width)),
  );
}

/** The multiset of rects as sorted "x,y,w,h" strings (duplicates kept). */
function multiset(rects: readonly Rect[]): string[] {
  return rects.map((r) => r.join()).sort();
}

describe("socoSelectiveSearch vs SoCo's own selective_search.py on photos", () => {
  const fixture = socoFixture();
  for (const [name, expected] of Object.entries(fixture.photos)) {
    it(`${name} (${expected.width}×${expected.height}): same regions, duplicates and order`, async () => {
      const result = socoSelectiveSearch(await socoPhoto(name));
      const merges = rows(result.merges, 2);
      const firstDivergingMerge = merges.findIndex(
        (m, i) => m.join() !== expected.merges[i]?.join(),
      );
      expect({ segments: result.segments, firstDivergingMerge }).toEqual({
        segments: expected.segments,
        firstDivergingMerge: merges.length === expected.merges.length ? -1 : merges.length,
      });
      const rects = rows(result.rects, 4);
      expect(multiset(rects)).toEqual(multiset(expected.regions));
      expect(rects).toEqual(expected.regions);
      // SoCo keeps identical rectangles of different regions; so must we.
      expect(new Set(multiset(rects)).size).toBeLessThan(rects.length);
    });
  }

  it('turns rects into exclusive-end xyxy boxes', () => {
    expect(Array.from(socoRectsToBoxes(Int32Array.from([3, 4, 10, 20])))).toEqual([3, 4, 13, 24]);
  });
});
