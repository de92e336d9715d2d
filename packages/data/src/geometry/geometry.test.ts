import { describe, expect, it } from 'vitest';
import { type DecodedImage, Rng } from '@ssdet/core';
import { gridCells } from './grid-cells.js';
import { mapBoxesToView, mapMaskToView, mapPointsToView } from './map-annotations.js';
import { sampleRandomResizedCrop, roundHalfEven } from './random-resized-crop.js';
import { renderView } from './render-view.js';
import { shorterSideSize } from './resize-shorter-side.js';
import {
  cropGeometry,
  flipGeometry,
  identityGeometry,
  overlapOfViews,
  sourceToView,
  viewToSource,
} from './view-geometry.js';

/** A dark image with one bright `size × size` square whose top-left pixel is (px, py). */
function markedImage(
  width: number,
  height: number,
  px: number,
  py: number,
  size: number,
): DecodedImage {
  const pixels = new Uint8Array(width * height * 3).fill(10);
  for (let y = py; y < py + size; y++)
    for (let x = px; x < px + size; x++)
      pixels.fill(250, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, pixels };
}

/** Centroid (in continuous pixel coordinates) of the brightness above the dark background. */
function brightCentroid(pixels: Float32Array, width: number): [number, number] {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < pixels.length; i += 3) {
    const weight = Math.max(0, pixels[i]! - 20 / 255);
    const at = i / 3;
    total += weight;
    sx += weight * ((at % width) + 0.5);
    sy += weight * (Math.floor(at / width) + 0.5);
  }
  return [sx / total, sy / total];
}

describe('view geometry', () => {
  it('a marked pixel lands where the mapped point says, through crop, resize and flip', () => {
    const image = markedImage(120, 90, 70, 40, 4); // centre (72, 42)
    const cases = [
      cropGeometry(identityGeometry(120, 90), [30, 10, 110, 70], 40, 30), // halve
      flipGeometry(cropGeometry(identityGeometry(120, 90), [50, 20, 90, 60], 80, 80)), // enlarge ×2, mirror
      cropGeometry(
        flipGeometry(cropGeometry(identityGeometry(120, 90), [20, 0, 120, 90], 100, 90)),
        [10, 20, 60, 70],
        50,
        50,
      ),
    ];
    for (const geometry of cases) {
      const pixels = renderView(image, geometry);
      const [u, v] = sourceToView(geometry, 72, 42);
      const [cx, cy] = brightCentroid(pixels, geometry.width);
      expect(Math.abs(cx - u)).toBeLessThan(0.25);
      expect(Math.abs(cy - v)).toBeLessThan(0.25);
      const mapped = mapPointsToView(Float32Array.from([72, 42]), geometry);
      expect(mapped.points[0]).toBeCloseTo(u, 5);
    }
  });

  it('maps points both ways and composes crops of mirrored views', () => {
    const geometry = cropGeometry(flipGeometry(identityGeometry(100, 50)), [10, 5, 60, 45], 25, 20);
    // The crop of the mirrored image [10, 60) is the source's [40, 90), mirrored.
    expect(geometry.sourceBox).toEqual([40, 5, 90, 45]);
    expect(geometry.flipped).toBe(true);
    const [u, v] = sourceToView(geometry, 50, 25);
    expect(viewToSource(geometry, u, v)).toEqual([50, 25]);
    expect(u).toBeCloseTo(20, 10); // 50 is 10 px into [40, 90) → 5 of 25 → mirrored to 20
  });

  it('maps boxes with clipping, drops the ones outside or emptied, and keeps their indices', () => {
    const geometry = flipGeometry(
      cropGeometry(identityGeometry(200, 100), [50, 0, 150, 100], 50, 50),
    );
    const boxes = Float32Array.from([
      60, 10, 80, 30, 0, 0, 40, 40, 140, 80, 190, 120, 10, 10, 49.9, 20,
    ]);
    const mapped = mapBoxesToView(boxes, geometry);
    expect(Array.from(mapped.kept)).toEqual([0, 2]);
    expect(mapped.dropped).toBe(2);
    // box 0: x 60–80 → 5–15 in the half-scale crop, mirrored → 35–45; y 10–30 → 5–15
    expect(Array.from(mapped.boxes.slice(0, 4))).toEqual([35, 5, 45, 15]);
    // box 2: x 140–190 → 45–70, clipped 45–50, mirrored 0–5; y 80–120 → 40–60, clipped 40–50
    expect(Array.from(mapped.boxes.slice(4, 8))).toEqual([0, 40, 5, 50]);
  });

  it('maps label masks by nearest neighbour (labels are never blended)', () => {
    const labels = new Int32Array(8 * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) labels[y * 8 + x] = x < 4 ? 1 : 7;
    const geometry = flipGeometry(cropGeometry(identityGeometry(8, 4), [2, 0, 8, 4], 3, 2));
    const mask = mapMaskToView({ width: 8, height: 4, labels }, geometry);
    expect(Array.from(mask.labels)).toEqual([7, 7, 1, 7, 7, 1]);
  });

  it('finds the overlap of two views in each view', () => {
    const first = cropGeometry(identityGeometry(100, 100), [0, 0, 60, 60], 30, 30);
    const second = flipGeometry(
      cropGeometry(identityGeometry(100, 100), [40, 40, 100, 100], 60, 60),
    );
    const overlap = overlapOfViews(first, second)!;
    expect(overlap.source).toEqual([40, 40, 60, 60]);
    expect(overlap.inFirst).toEqual([20, 20, 30, 30]);
    expect(overlap.inSecond).toEqual([40, 0, 60, 20]);
    expect(
      overlapOfViews(first, cropGeometry(identityGeometry(100, 100), [70, 70, 90, 90], 5, 5)),
    ).toBeUndefined();
  });
});

describe('random resized crop (torchvision get_params)', () => {
  it('keeps area fraction and aspect ratio within range, inside the image', () => {
    const rng = Rng.fromSeed(4);
    for (let i = 0; i < 500; i++) {
      const [x0, y0, x1, y1] = sampleRandomResizedCrop(rng, 640, 480, { scale: [0.2, 1] });
      const w = x1 - x0;
      const h = y1 - y0;
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(y0).toBeGreaterThanOrEqual(0);
      expect(x1).toBeLessThanOrEqual(640);
      expect(y1).toBeLessThanOrEqual(480);
      expect(Number.isInteger(x0) && Number.isInteger(w)).toBe(true);
      // rounding w and h to integers moves area and ratio slightly past the sampled range
      expect((w * h) / (640 * 480)).toBeGreaterThan(0.19);
      expect(w / h).toBeGreaterThan(0.74);
      expect(w / h).toBeLessThan(1.35);
    }
  });

  it('falls back to a centre crop clamped to the ratio range when no try fits', () => {
    // A 1000 × 10 strip: every try at scale ≥ 0.9 with ratio ≤ 4/3 is taller than the image.
    const box = sampleRandomResizedCrop(Rng.fromSeed(1), 1000, 10, { scale: [0.9, 1] });
    expect(box).toEqual([493, 0, 506, 10]); // w = round(10 · 4/3) = 13, centred
  });

  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001].map((x) => roundHalfEven(x) + 0)).toEqual([
      0, 2, 2, 0, 2, 3,
    ]);
  });
});

describe('DETR resize and grids', () => {
  it('matches DETR get_size_with_aspect_ratio, including the max-size cap', () => {
    expect(shorterSideSize(640, 480, 800, 1333)).toEqual([800, 1066]);
    expect(shorterSideSize(1000, 300, 800, 1333)).toEqual([400, 1333]);
    expect(shorterSideSize(300, 800, 480)).toEqual([1280, 480]);
    expect(shorterSideSize(480, 640, 480, 1333)).toEqual([640, 480]);
  });

  it('splits into a row-major grid covering the area', () => {
    const cells = gridCells(10, 7, 2, 3);
    expect(cells).toHaveLength(6);
    expect(cells[0]).toEqual([0, 0, 3, 3]);
    expect(cells[5]).toEqual([6, 3, 10, 7]);
  });
});
