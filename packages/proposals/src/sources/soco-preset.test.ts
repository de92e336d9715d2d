import { Rng } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { socoFilterTiered } from '../filters/soco-filter.js';
import { socoFixture, socoPhoto } from '../test-support/fixtures.js';
import { SelectiveSearchSource } from './region-sources.js';

const xyxy = (rects: readonly (readonly number[])[]): number[] =>
  rects.flatMap(([x, y, w, h]) => [x!, y!, x! + w!, y! + h!]);

/** Boxes as sorted "x1,y1,x2,y2" strings: the multiset, duplicates included. */
function multiset(boxes: ArrayLike<number>): string[] {
  return Array.from({ length: boxes.length / 4 }, (_, i) =>
    Array.from({ length: 4 }, (_, k) => boxes[i * 4 + k]).join(),
  ).sort();
}

describe("SelectiveSearchSource preset 'soco' = SoCo's selective_search.py + filters.py", () => {
  const fixture = socoFixture();
  const soco = new SelectiveSearchSource({ preset: 'soco' });

  for (const [name, expected] of Object.entries(fixture.photos)) {
    it(`${name}: the filtered proposals SoCo trains on, duplicates and order included`, async () => {
      const image = await socoPhoto(name);
      const { boxes } = await soco.propose(image, Rng.fromSeed(0));
      const want =
        expected.filtered.tier === 'whole-image'
          ? [0, 0, image.width, image.height]
          : xyxy(expected.filtered.rects);
      expect(multiset(boxes)).toEqual(multiset(want));
      expect(Array.from(boxes)).toEqual(want);
    });
  }

  it("filter 'none' gives every region of SoCo's hierarchy, each duplicate a separate box", async () => {
    const expected = fixture.photos['chelsea']!;
    const raw = await new SelectiveSearchSource({ preset: 'soco', filter: 'none' }).propose(
      await socoPhoto('chelsea'),
      Rng.fromSeed(0),
    );
    expect(Array.from(raw.boxes)).toEqual(xyxy(expected.regions));
    expect(new Set(multiset(raw.boxes)).size).toBeLessThan(raw.boxes.length / 4);
    const tiered = socoFilterTiered(raw.boxes, expected.width, expected.height);
    expect(tiered.tier).toBe(expected.filtered.tier);
  });

  it('names its implementation in the cache parameters; soco-opencv keeps the OpenCV grouping', async () => {
    expect(soco.parameters).toMatchObject({ preset: 'soco', baseK: 300, sigma: 0.9 });
    expect(soco.parameters['implementation']).toBe('soco-python');
    const opencv = new SelectiveSearchSource({ preset: 'soco-opencv' });
    expect(opencv.parameters['implementation']).toBe('opencv-4.6-exact');
    const image = await socoPhoto('chelsea');
    const a = await soco.propose(image, Rng.fromSeed(0));
    const b = await opencv.propose(image, Rng.fromSeed(0));
    expect(multiset(a.boxes)).not.toEqual(multiset(b.boxes));
    // OpenCV's grouping merges identical boxes; SoCo's keeps them.
    expect(new Set(multiset(b.boxes)).size).toBe(b.boxes.length / 4);
  });
});
