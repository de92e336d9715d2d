import { describe, expect, it } from 'vitest';
import { readBytes } from '../test-support/fixtures.js';
import { EXACT_PHOTOS, exactPhoto, opencvExact, sha256 } from '../test-support/opencv-exact.js';
import { resizeBilinear } from './resize-bilinear.js';

const noise = { width: 23, height: 17, pixels: readBytes('resize-noise.rgb') };

describe('resizeBilinear vs cv2.resize (INTER_LINEAR, OpenCV 4.6)', () => {
  const expected = opencvExact().resize;

  for (const name of EXACT_PHOTOS) {
    it(`is bit-exact on ${name} at 11 sizes (squash to 128², odd, tiny, 2× down, upscales)`, async () => {
      const photo = await exactPhoto(name, 'full');
      const sizes = Object.keys(expected[name]!);
      expect(sizes).toContain('128x128');
      const wrong = sizes.filter((size) => {
        const [width, height] = size.split('x').map(Number) as [number, number];
        return sha256(resizeBilinear(photo, width, height).pixels) !== expected[name]![size];
      });
      expect(wrong).toEqual([]);
    });
  }

  it('is bit-exact on random noise (rounding everywhere), upscaled and downscaled', () => {
    const sizes = Object.keys(expected.noise!);
    expect(sizes.length).toBeGreaterThan(5);
    const wrong = sizes.filter((size) => {
      const [width, height] = size.split('x').map(Number) as [number, number];
      return sha256(resizeBilinear(noise, width, height).pixels) !== expected.noise![size];
    });
    expect(wrong).toEqual([]);
  });

  it("rounds the vertical pass as OpenCV's 8-bit code, not to nearest", () => {
    // 7 rows → 3: output row 0 blends rows 0 and 1 (values 2, 3) with weights 683, 1365 (of
    // 2048): 2.67 to nearest is 3, OpenCV's ((683·(4096 >> 4)) >> 16) + ((1365·(6144 >> 4)) >> 16)
    // = 1 + 7, (8 + 2) >> 2 = 2 (cv2.resize gives 2).
    const column = [2, 3, 9, 9, 9, 9, 9];
    const image = { width: 1, height: 7, pixels: new Uint8Array(column.flatMap((v) => [v, v, v])) };
    expect(Array.from(resizeBilinear(image, 1, 3).pixels)).toEqual([2, 2, 2, 9, 9, 9, 9, 9, 9]);
    // Same size: a copy, not the same buffer.
    const copy = resizeBilinear(image, 1, 7);
    expect(Array.from(copy.pixels)).toEqual(Array.from(image.pixels));
    expect(copy.pixels).not.toBe(image.pixels);
  });
});
