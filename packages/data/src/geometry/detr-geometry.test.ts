import { Rng, SsdetError } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { drawDetrGeometry, type DetrGeometryOptions } from './detr-geometry.js';
import { topLeftCanvas } from './top-left-canvas.js';
import { flipGeometry, identityGeometry } from './view-geometry.js';
import { visibleBoxes } from './visible-boxes.js';

const options: DetrGeometryOptions = {
  scales: [64, 80],
  maxSize: 96,
  flipP: 0.5,
  plainResizeP: 0.5,
  cropResizes: [80, 96],
  cropSize: [64, 96],
};

describe('drawDetrGeometry', () => {
  it('plain branch: the whole image, shorter side from scales, longer side at most maxSize', () => {
    for (let seed = 0; seed < 20; seed++) {
      const g = drawDetrGeometry(
        200,
        100,
        { ...options, plainResizeP: 1, flipP: 0 },
        Rng.fromSeed(seed),
      );
      expect(g.sourceBox).toEqual([0, 0, 200, 100]);
      expect(g.flipped).toBe(false);
      expect(g.width).toBeLessThanOrEqual(96);
      // 200 × 100 with maxSize 96: the longer side caps the shorter at 48.
      expect([g.width, g.height]).toEqual([96, 48]);
    }
    const square = drawDetrGeometry(100, 100, { ...options, plainResizeP: 1 }, Rng.fromSeed(3));
    expect(options.scales).toContain(square.height);
    expect(square.width).toBe(square.height);
  });

  it('crop branch: a crop of the resized image whose source size follows cropSize, then resized', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const g = drawDetrGeometry(
        120,
        120,
        { ...options, plainResizeP: 0, flipP: 0 },
        Rng.fromSeed(seed),
      );
      const [x0, y0, x1, y1] = g.sourceBox;
      // Pre-crop resize to 80 or 96 (scale 120/80 or 120/96 back to the source); crop side in
      // [64, min(side, 96)] of those pixels.
      const sides = [x1 - x0, y1 - y0];
      for (const side of sides) {
        const ok = [80, 96].some((r) => {
          const px = (side * r) / 120;
          return px >= 64 - 1e-6 && px <= Math.min(r, 96) + 1e-6;
        });
        expect(ok).toBe(true);
      }
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(y1).toBeLessThanOrEqual(120 + 1e-6);
      expect(Math.max(g.width, g.height)).toBeLessThanOrEqual(96);
      expect(Math.min(g.width, g.height)).toBeGreaterThan(0);
      seen.add(g.sourceBox.join(','));
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('flips with flipP and draws the same geometry from the same stream', () => {
    expect(drawDetrGeometry(90, 70, { ...options, flipP: 1 }, Rng.fromSeed(1)).flipped).toBe(true);
    expect(drawDetrGeometry(90, 70, { ...options, flipP: 0 }, Rng.fromSeed(1)).flipped).toBe(false);
    const a = drawDetrGeometry(90, 70, options, Rng.fromSeed(8));
    const b = drawDetrGeometry(90, 70, options, Rng.fromSeed(8));
    expect(a).toEqual(b);
  });
});

describe('topLeftCanvas', () => {
  it('copies the image row by row into the top-left corner and leaves the rest zero', () => {
    const data = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i + 1);
    const canvas = topLeftCanvas({ width: 3, height: 2, data }, 4);
    expect(canvas.length).toBe(4 * 4 * 3);
    expect(Array.from(canvas.subarray(0, 9))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(canvas.subarray(9, 12))).toEqual([0, 0, 0]);
    expect(Array.from(canvas.subarray(12, 21))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(canvas.subarray(21).every((v) => v === 0)).toBe(true);
  });

  it('refuses an image larger than the canvas', () => {
    const data = new Float32Array(5 * 2 * 3);
    expect(() => topLeftCanvas({ width: 5, height: 2, data }, 4)).toThrow(SsdetError);
  });
});

describe('visibleBoxes', () => {
  it('maps through the flip, clips to the view and drops boxes left with no area, keeping ids', () => {
    const geometry = flipGeometry(identityGeometry(100, 50));
    const { boxes, ids } = visibleBoxes(geometry, [
      [10, 5, 30, 25],
      [90, 40, 130, 80],
      [120, 0, 140, 10],
    ]);
    expect(Array.from(ids)).toEqual([0, 1]);
    expect(Array.from(boxes)).toEqual([70, 5, 90, 25, 0, 40, 10, 50]);
  });
});
