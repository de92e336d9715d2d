import { describe, expect, it } from 'vitest';
import {
  decodeRleCounts,
  encodeRleCounts,
  rleArea,
  rleFromBitmap,
  rleFromPolygon,
  rleToBitmap,
  rleToBox,
  rleUnion,
} from './coco-rle.js';

describe('COCO run-length encoding', () => {
  it('round-trips counts through the compressed string, including large and differenced runs', () => {
    for (const counts of [
      [0, 5],
      [3, 2, 7, 1, 100000, 4, 4, 4],
      [17, 3, 17, 3, 1, 0, 2],
      [2 ** 24, 1],
    ]) {
      const text = encodeRleCounts(counts);
      expect(text).toMatch(/^[0-o]*$/);
      expect(Array.from(decodeRleCounts(text))).toEqual(counts);
    }
  });

  it('encodes a bitmap column-major, background first, and decodes it back', () => {
    // 3 × 2 (h × w), column-major: column 0 = [0, 1, 1], column 1 = [1, 0, 0].
    const bits = Uint8Array.from([0, 1, 1, 1, 0, 0]);
    const rle = rleFromBitmap(bits, 3, 2);
    expect(Array.from(rle.counts)).toEqual([1, 3, 2]);
    expect(rleArea(rle)).toBe(3);
    expect(Array.from(rleToBitmap(rle))).toEqual(Array.from(bits));
    expect(Array.from(rleFromBitmap(Uint8Array.from([1, 1]), 2, 1).counts)).toEqual([0, 2]);
  });

  it('rasterises an axis-aligned square on pixel edges to exactly its pixels', () => {
    // [2, 1] to [5, 4] covers columns 2–4 and rows 1–3 of a 6 × 7 image: 9 pixels.
    const rle = rleFromPolygon([2, 1, 5, 1, 5, 4, 2, 4], 6, 7);
    const bits = rleToBitmap(rle);
    const on: string[] = [];
    for (let x = 0; x < 7; x++)
      for (let y = 0; y < 6; y++) if (bits[x * 6 + y]) on.push(`${x},${y}`);
    expect(on).toEqual(['2,1', '2,2', '2,3', '3,1', '3,2', '3,3', '4,1', '4,2', '4,3']);
    expect(rleToBox(rle)).toEqual([2, 1, 3, 3]);
  });

  it('unites masks; masks of different sizes give an empty 0 × 0 mask, as pycocotools', () => {
    const a = rleFromPolygon([0, 0, 2, 0, 2, 2, 0, 2], 4, 4);
    const b = rleFromPolygon([1, 1, 4, 1, 4, 4, 1, 4], 4, 4);
    const union = rleUnion([a, b]);
    expect(rleArea(union)).toBe(4 + 9 - 1);
    expect(rleUnion([a, rleFromPolygon([0, 0, 1, 0, 1, 1], 5, 4)])).toMatchObject({
      height: 0,
      width: 0,
    });
  });

  it('reports a malformed string instead of reading past its end', () => {
    expect(() => decodeRleCounts('o')).toThrow(/RLE string ends inside a number/);
  });
});
