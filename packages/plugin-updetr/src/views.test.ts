import { Rng, selectBackend } from '@ssdet/core';
import { BadImageError, IMAGENET_MEAN, IMAGENET_STD } from '@ssdet/data';
import { RandomBoxesSource } from '@ssdet/proposals';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticSample } from './test-support/tiny.js';
import { UpdetrViewGenerator } from './views.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const options = {
  scales: [64, 80],
  maxSize: 96,
  numPatches: 4,
  patchSize: 32,
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
  grayscale: 0.2,
  blur: { sigma: [0.1, 2] as [number, number], p: 0.5 },
};

describe('UpdetrViewGenerator', () => {
  const generator = new UpdetrViewGenerator(options);
  const source = new RandomBoxesSource({ count: 4 });

  it('names the image view and one view per query patch', () => {
    expect(generator.viewNames).toEqual(['image', 'patch-0', 'patch-1', 'patch-2', 'patch-3']);
    expect(generator.needsRegions).toBe(true);
  });

  it('caps the longer side at maxSize as DETR does (shorter side then smaller than the scale)', async () => {
    const sample = syntheticSample(120, 90, 3);
    const rng = Rng.fromSeed(5);
    const regions = await source.propose(sample.image, rng.fork('regions'));
    const geometries = Array.from({ length: 24 }, (_, i) => {
      const [image] = generator.generate(sample, regions, Rng.fromSeed(i));
      return [image!.geometry.width, image!.geometry.height];
    });
    // 64 → 85 × 64; 80 would give a 106-px width, so the shorter side becomes round(96·90/120) = 72.
    expect(new Set(geometries.map((g) => g.join('x')))).toEqual(new Set(['85x64', '96x72']));
  });

  it('resizes the image (shorter side from the scales, longer ≤ maxSize, no flip) into a zero-padded canvas and maps the patch boxes', async () => {
    const sample = syntheticSample(120, 100, 1);
    const shorterSides = new Set<number>();
    for (let seed = 0; seed < 24; seed++) {
      const rng = Rng.fromSeed(seed);
      const regions = await source.propose(sample.image, rng.fork('regions'));
      const [image, ...patches] = generator.generate(sample, regions, rng);
      const { geometry } = image!;
      expect([image!.width, image!.height]).toEqual([96, 96]);
      expect(geometry.flipped).toBe(false);
      expect(geometry.sourceBox).toEqual([0, 0, 120, 100]);
      const shorter = Math.min(geometry.width, geometry.height);
      shorterSides.add(shorter);
      expect([64, 80]).toContain(shorter);
      // DETR's rule: 64 → 76 × 64 (trunc), 80 → 96 × 80.
      expect(geometry.width).toBe(shorter === 64 ? 76 : 96);
      // Padding (right of and below the image) is exactly zero; the image part is not.
      const at = (x: number, y: number) => image!.pixels[(y * 96 + x) * 3]!;
      if (geometry.width < 96) expect(at(geometry.width, 0)).toBe(0);
      expect(at(0, geometry.height)).toBe(0);
      expect(at(95, 95)).toBe(0);
      expect(at(geometry.width - 1, geometry.height - 1)).not.toBe(0);
      // Boxes: the source patches scaled by the resize, in patch order.
      const sx = geometry.width / 120;
      const sy = geometry.height / 100;
      expect(Array.from(image!.boxIds!)).toEqual([0, 1, 2, 3]);
      for (let k = 0; k < 4; k++) {
        const box = regions.boxes.subarray(k * 4, k * 4 + 4);
        const mapped = image!.boxes!.subarray(k * 4, k * 4 + 4);
        expect(mapped[0]).toBeCloseTo(box[0]! * sx, 4);
        expect(mapped[3]).toBeCloseTo(box[3]! * sy, 4);
        const patch = patches[k]!;
        expect(patch.geometry.sourceBox).toEqual(Array.from(box));
        expect([patch.width, patch.height, patch.pixels.length]).toEqual([32, 32, 32 * 32 * 3]);
      }
    }
    expect(shorterSides).toEqual(new Set([64, 80]));
  });

  it('normalises with ImageNet statistics: an untouched patch of a flat grey image has the expected values', () => {
    const flat = { width: 60, height: 50, pixels: new Uint8Array(60 * 50 * 3).fill(128) };
    const plain = new UpdetrViewGenerator({
      ...options,
      colorJitter: { ...options.colorJitter, p: 0 },
      grayscale: 0,
      blur: { ...options.blur, p: 0 },
    });
    const boxes = Float32Array.from([0, 0, 20, 20, 10, 10, 50, 40, 5, 5, 30, 30, 1, 1, 9, 9]);
    const views = plain.generate(
      { record: { id: 'g', path: '/g.png' }, image: flat },
      { boxes },
      Rng.fromSeed(0),
    );
    const patch = views[2]!.pixels;
    for (let c = 0; c < 3; c++) {
      expect(patch[c]).toBeCloseTo((128 / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!, 5);
    }
  });

  it('rejects an image with a side ≤ 16 px as a bad image (UP-DETR skips it)', async () => {
    const sample = syntheticSample(40, 16, 2);
    const rng = Rng.fromSeed(0);
    const regions = await source.propose(sample.image, rng);
    expect(() => generator.generate(sample, regions, rng)).toThrow(BadImageError);
    expect(() => generator.generate(sample, regions, rng)).toThrow(/both sides must exceed 16 px/);
  });

  it('augments the patches on 8-bit levels, as the official PIL transforms do', async () => {
    const always = new UpdetrViewGenerator({
      ...options,
      colorJitter: { ...options.colorJitter, p: 1 },
      grayscale: 1,
      blur: { sigma: [0.5, 2] as [number, number], p: 1 },
    });
    const sample = syntheticSample(120, 100, 4);
    const rng = Rng.fromSeed(9);
    const regions = await source.propose(sample.image, rng.fork('regions'));
    const patch = always.generate(sample, regions, rng)[1]!;
    let worst = 0;
    for (let i = 0; i < patch.pixels.length; i++) {
      const c = i % 3;
      const level = (patch.pixels[i]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!) * 255;
      worst = Math.max(worst, Math.abs(level - Math.round(level)));
    }
    expect(worst).toBeLessThan(1e-3);
    // Grayscale: the three channels hold the same level.
    const level = (i: number) =>
      Math.round((patch.pixels[i]! * IMAGENET_STD[i % 3]! + IMAGENET_MEAN[i % 3]!) * 255);
    expect([level(30), level(31), level(32)]).toEqual([level(30), level(30), level(30)]);
  });
});
