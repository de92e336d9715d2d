import { describe, expect, it } from 'vitest';
import { colour, drawRegions } from './draw-regions.js';

describe('drawRegions', () => {
  it('outlines boxes, colours masks and leaves the input untouched', () => {
    const image = { width: 10, height: 8, pixels: new Uint8Array(10 * 8 * 3) };
    const out = drawRegions(image, { boxes: Float32Array.from([2, 1, 6, 5]) });
    const at = (x: number, y: number): number[] =>
      Array.from(out.pixels.subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3));
    expect(at(2, 1)).toEqual(colour(0));
    expect(at(5, 4)).toEqual(colour(0)); // x1/y1 exclusive → last pixel is 5, 4
    expect(at(3, 2)).toEqual([0, 0, 0]); // inside stays
    expect(at(6, 5)).toEqual([0, 0, 0]);
    expect(image.pixels.every((v) => v === 0)).toBe(true);
    const labels = new Int32Array(80);
    labels.fill(1, 40);
    const masked = drawRegions(
      image,
      { boxes: new Float32Array(0), mask: { width: 10, height: 8, labels } },
      { maskOpacity: 1 },
    );
    expect(Array.from(masked.pixels.subarray(0, 3))).toEqual(colour(0));
    expect(Array.from(masked.pixels.subarray(40 * 3, 40 * 3 + 3))).toEqual(colour(1));
  });
});
