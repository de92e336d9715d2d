import { Rng } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { readJson } from '../test-support/fixtures.js';
import { EXACT_PHOTOS, exactPhoto } from '../test-support/opencv-exact.js';
import { SelectiveSearchSource } from './region-sources.js';

type Box = [number, number, number, number];

/** Distinct boxes sorted lexicographically (the fixture's form). */
function boxSet(boxes: Float32Array): Box[] {
  const seen = new Map<string, Box>();
  for (let i = 0; i < boxes.length; i += 4) {
    const box: Box = [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!];
    seen.set(box.join(), box);
  }
  return [...seen.values()].sort(
    (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3],
  );
}

describe("SelectiveSearchSource preset 'detreg' = DETReg's selective_search(img, h, w, res_size=128)", () => {
  it('defaults to the official colour order (RGB handed to OpenCV as BGR), top 30', () => {
    expect(new SelectiveSearchSource({ preset: 'detreg' }).parameters).toMatchObject({
      swapRedBlue: true,
      resize: 128,
      maxBoxes: 30,
      implementation: 'opencv-4.6-exact',
    });
    expect(new SelectiveSearchSource({ preset: 'opencv-fast' }).parameters).toMatchObject({
      swapRedBlue: false,
    });
  });

  for (const name of EXACT_PHOTOS) {
    it(`${name}: every box, bit for bit (cv2.resize, fast mode, float32 scaling back)`, async () => {
      const image = await exactPhoto(name, 'full');
      const all = new SelectiveSearchSource({ preset: 'detreg', maxBoxes: 0 });
      const { boxes } = await all.propose(image, Rng.fromSeed(1));
      const expected = readJson<Box[]>(`detreg-${name}.json`);
      expect(expected.length).toBeGreaterThan(30);
      expect(boxSet(boxes)).toEqual(expected);
    });
  }

  it('keeps the first 30 of those boxes; the corrected colour order finds other boxes', async () => {
    const image = await exactPhoto('coffee', 'full');
    const expected = new Set(readJson<Box[]>('detreg-coffee.json').map((b) => b.join()));
    const { boxes } = await new SelectiveSearchSource({ preset: 'detreg' }).propose(
      image,
      Rng.fromSeed(2),
    );
    expect(boxes.length).toBe(30 * 4);
    for (const box of boxSet(boxes)) expect(expected.has(box.join())).toBe(true);
    const corrected = await new SelectiveSearchSource({
      preset: 'detreg',
      swapRedBlue: false,
      maxBoxes: 0,
    }).propose(image, Rng.fromSeed(2));
    const missing = boxSet(corrected.boxes).filter((b) => !expected.has(b.join()));
    expect(missing.length).toBeGreaterThan(0);
  });
});
