import { Rng, selectBackend, type Regions } from '@ssdet/core';
import { BadImageError, identityGeometry, flipGeometry, resizeGeometry } from '@ssdet/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticSample } from './test-support/tiny.js';
import { DetregViewGenerator, visiblePriors, type DetregViewOptions } from './views.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const options: DetregViewOptions = {
  scales: [64, 80],
  maxSize: 96,
  flipP: 0.5,
  plainResizeP: 0.5,
  cropResizes: [80, 96],
  cropSize: [64, 96],
  maxPriors: 4,
  minPriors: 2,
  crop: {
    size: 16,
    colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
    grayscale: 0.2,
    blur: { sigma: [0.1, 2], p: 0.5 },
  },
};

const regions = (boxes: number[][]): Regions => ({ boxes: Float32Array.from(boxes.flat()) });

describe('visiblePriors', () => {
  it('maps the priors through flip and resize, clips them and drops the empty ones with their ids', () => {
    const geometry = resizeGeometry(flipGeometry(identityGeometry(100, 50)), 200, 100);
    const { boxes, ids } = visiblePriors(geometry, [
      [0, 0, 10, 10],
      [40, 10, 60, 30],
    ]);
    expect(Array.from(ids)).toEqual([0, 1]);
    // Mirrored: x ↦ 100 − x, then ×2.
    expect(Array.from(boxes)).toEqual([180, 0, 200, 20, 80, 20, 120, 60]);
    const crop = {
      sourceBox: [50, 0, 100, 50] as [number, number, number, number],
      flipped: false,
      width: 50,
      height: 50,
    };
    const cropped = visiblePriors(crop, [
      [0, 0, 10, 10], // outside the crop: zero width after clipping → dropped
      [40, 10, 60, 30], // half inside → clipped to [0, 10, 10, 30]
    ]);
    expect(Array.from(cropped.ids)).toEqual([1]);
    expect(Array.from(cropped.boxes)).toEqual([0, 10, 10, 30]);
  });
});

describe('DetregViewGenerator', () => {
  const generator = new DetregViewGenerator(options);
  const sample = syntheticSample(120, 90, 1);
  const priors = [
    [10, 10, 50, 40],
    [60, 20, 110, 80],
    [0, 0, 120, 90],
    [30, 50, 45, 70],
    [5, 5, 6, 6], // the fifth: beyond maxPriors, ignored
  ];

  it('gives the image on a maxSize canvas with its priors (ids = crop slots) and a strip of crops', () => {
    for (let seed = 0; seed < 12; seed++) {
      const [image, crops] = generator.generate(sample, regions(priors), Rng.fromSeed(seed));
      expect(image!.name).toBe('image');
      expect([image!.width, image!.height]).toEqual([96, 96]);
      const { width, height } = image!.geometry;
      expect(Math.min(width, height)).toBeLessThanOrEqual(80);
      expect(Math.max(width, height)).toBeLessThanOrEqual(96);
      const ids = Array.from(image!.boxIds!);
      expect(ids.every((id) => id >= 0 && id < 4)).toBe(true);
      const boxes = image!.boxes!;
      for (let k = 0; k < ids.length; k++) {
        const [x0, y0, x1, y1] = Array.from(boxes.subarray(k * 4, k * 4 + 4));
        expect(x1!).toBeGreaterThan(x0!);
        expect(y1!).toBeGreaterThan(y0!);
        expect(x0!).toBeGreaterThanOrEqual(0);
        expect(x1!).toBeLessThanOrEqual(width);
        expect(y1!).toBeLessThanOrEqual(height);
      }
      // Padding of the canvas stays zero.
      expect(image!.pixels[(95 * 96 + 95) * 3]).toBe(0);
      expect(crops!.name).toBe('crops');
      expect([crops!.width, crops!.height]).toEqual([16, 64]);
      const slot = 16 * 16 * 3;
      for (let k = 0; k < 4; k++) {
        const filled = crops!.pixels.subarray(k * slot, (k + 1) * slot).some((v) => v !== 0);
        expect(filled, `slot ${k}`).toBe(ids.includes(k));
      }
    }
  });

  it('is reproducible from the rng and draws both the plain resize and the crop path', () => {
    const a = generator.generate(sample, regions(priors), Rng.fromSeed(5));
    const b = generator.generate(sample, regions(priors), Rng.fromSeed(5));
    expect(Array.from(a[0]!.boxes!)).toEqual(Array.from(b[0]!.boxes!));
    expect(a[1]!.pixels).toEqual(b[1]!.pixels);
    const sourceWidths = new Set(
      Array.from({ length: 30 }, (_, seed) => {
        const g = generator.drawGeometry(120, 90, Rng.fromSeed(seed));
        return g.sourceBox[2] - g.sourceBox[0];
      }),
    );
    // The plain path shows all 120 px; the crop path less.
    expect(sourceWidths.has(120)).toBe(true);
    expect([...sourceWidths].some((w) => w < 120)).toBe(true);
  });

  it('rejects an image with fewer than minPriors priors as a bad image (the loader draws another)', () => {
    expect(() => generator.generate(sample, regions([[10, 10, 50, 40]]), Rng.fromSeed(0))).toThrow(
      BadImageError,
    );
    expect(() => generator.generate(sample, regions([[10, 10, 50, 40]]), Rng.fromSeed(0))).toThrow(
      /needs at least 2 region priors and Selective Search found 1/,
    );
  });
});
