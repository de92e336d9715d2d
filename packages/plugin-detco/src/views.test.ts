import { Rng, type Sample, type View } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { detcoConfigSchema } from './config.js';
import { DETCO_VIEW_NAMES, DetcoViewGenerator, cutJigsaw } from './views.js';

/** A 12 × 12 view whose pixel (x, y) is (x, y, 7): every patch can be traced back to its place. */
function coordinateView(): View {
  const width = 12;
  const height = 12;
  const pixels = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([x, y, 7], (y * width + x) * 3);
  }
  return {
    name: 'query',
    width,
    height,
    pixels,
    geometry: { sourceBox: [0, 0, 12, 12], flipped: false, width, height },
  };
}

/** The top-left (x, y) of each patch of a strip, checking each is a contiguous square of the source. */
function patchOrigins(strip: View, patchSize: number): [number, number][] {
  const origins: [number, number][] = [];
  for (let p = 0; p < strip.height / patchSize; p++) {
    const at = (u: number, v: number) => {
      const i = ((p * patchSize + v) * patchSize + u) * 3;
      return [strip.pixels[i]!, strip.pixels[i + 1]!, strip.pixels[i + 2]!];
    };
    const [x0, y0] = at(0, 0) as [number, number];
    for (let v = 0; v < patchSize; v++)
      for (let u = 0; u < patchSize; u++) expect(at(u, v)).toEqual([x0 + u, y0 + v, 7]);
    origins.push([x0, y0]);
  }
  return origins;
}

describe('cutJigsaw', () => {
  it('takes one square inside every cell of the 3 × 3 grid, shuffled, stacked top to bottom', () => {
    const strip = cutJigsaw(
      coordinateView(),
      { name: 'query_patches', grid: 3, patchSize: 3 },
      Rng.fromSeed(5),
    );
    expect([strip.name, strip.width, strip.height]).toEqual(['query_patches', 3, 27]);
    // Cells are 4 × 4 (gridCells of 12): a 3-pixel patch starts at offset 0 or 1 inside its cell.
    const cells = patchOrigins(strip, 3).map(([x, y]) => {
      const [column, row] = [Math.floor(x / 4), Math.floor(y / 4)];
      expect(Math.floor((x + 2) / 4)).toBe(column);
      expect(Math.floor((y + 2) / 4)).toBe(row);
      return row * 3 + column;
    });
    expect([...cells].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('draws the order and the offsets from its stream: shuffled, varied, reproducible', () => {
    const cut = (seed: number) =>
      patchOrigins(
        cutJigsaw(coordinateView(), { name: 'p', grid: 3, patchSize: 3 }, Rng.fromSeed(seed)),
        3,
      );
    expect(cut(9)).toEqual(cut(9));
    const draws = Array.from({ length: 6 }, (_, seed) => cut(seed));
    const orders = draws.map((origins) =>
      origins.map(([x, y]) => Math.floor(y / 4) * 3 + Math.floor(x / 4)).join(','),
    );
    expect(orders.some((order) => order !== '0,1,2,3,4,5,6,7,8')).toBe(true);
    expect(new Set(orders).size).toBeGreaterThan(1);
    const offsets = new Set(draws.flat().map(([x, y]) => `${x % 4},${y % 4}`));
    expect(offsets.size).toBeGreaterThan(1);
  });

  it('refuses cells smaller than the patches, naming the sizes', () => {
    expect(() =>
      cutJigsaw(coordinateView(), { name: 'p', grid: 3, patchSize: 5 }, Rng.fromSeed(0)),
    ).toThrow(
      /3 × 3 jigsaw of the 12 × 12 view "query" has 4 × 4 cells, smaller than the 5-pixel patches/,
    );
  });
});

function sample(width: number, height: number): Sample {
  const pixels = new Uint8Array(width * height * 3);
  const rng = Rng.fromSeed(3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(0, 256);
  return { record: { id: 'a', path: '/a.jpg' }, image: { width, height, pixels } };
}

describe('DetcoViewGenerator', () => {
  const options = (source: 'own-crop' | 'global-view') =>
    detcoConfigSchema.parse({
      imageSize: 48,
      jigsaw: { source, size: 60, patchSize: 16 },
      shuffleBnGroups: 1,
    });

  it('makes the four inputs: two global views and two 3 × 3 patch sets, reproducibly', async () => {
    const generator = new DetcoViewGenerator(options('own-crop'));
    expect(generator.viewNames).toEqual(DETCO_VIEW_NAMES);
    expect(generator.needsRegions).toBe(false);
    const views = await generator.generate(sample(120, 90), undefined, Rng.fromSeed(1));
    expect(views.map((v) => [v.name, v.width, v.height, v.pixels.length])).toEqual([
      ['query', 48, 48, 48 * 48 * 3],
      ['key', 48, 48, 48 * 48 * 3],
      ['query_patches', 16, 144, 16 * 144 * 3],
      ['key_patches', 16, 144, 16 * 144 * 3],
    ]);
    // Normalised (ImageNet mean/std): values leave [0, 1].
    expect(views[0]!.pixels.some((v) => v < 0)).toBe(true);
    const again = await generator.generate(sample(120, 90), undefined, Rng.fromSeed(1));
    again.forEach((view, i) => expect(view.pixels).toEqual(views[i]!.pixels));
    const other = await generator.generate(sample(120, 90), undefined, Rng.fromSeed(2));
    expect(other[2]!.pixels).not.toEqual(views[2]!.pixels);
  });

  /** Whether the first row of every patch of `strip` occurs somewhere in `view`. */
  function patchesFoundIn(strip: View, view: View, patchSize: number): boolean {
    const rowLength = patchSize * 3;
    return Array.from({ length: strip.height / patchSize }, (_, p) =>
      strip.pixels.subarray(p * patchSize * rowLength, p * patchSize * rowLength + rowLength),
    ).every((row) => {
      for (let y = 0; y < view.height; y++) {
        for (let x = 0; x + patchSize <= view.width; x++) {
          const from = (y * view.width + x) * 3;
          if (row.every((value, i) => value === view.pixels[from + i])) return true;
        }
      }
      return false;
    });
  }

  it('cuts the patch sets from their own crops (paper) or from the global views (port)', async () => {
    const own = await new DetcoViewGenerator(options('own-crop')).generate(
      sample(120, 90),
      undefined,
      Rng.fromSeed(4),
    );
    expect(patchesFoundIn(own[2]!, own[0]!, 16)).toBe(false);
    const port = await new DetcoViewGenerator(options('global-view')).generate(
      sample(120, 90),
      undefined,
      Rng.fromSeed(4),
    );
    expect(patchesFoundIn(port[2]!, port[0]!, 16)).toBe(true);
    expect(patchesFoundIn(port[3]!, port[1]!, 16)).toBe(true);
    expect(port[2]!.geometry).toEqual(port[0]!.geometry);
  });

  it('applies colour jitter and grayscale with the configured probabilities, in all four views', async () => {
    // One colour everywhere: cropping, blurring and flipping keep it, jitter and grayscale do not.
    const [red, green, blue] = [200, 100, 50];
    const pixels = new Uint8Array(120 * 90 * 3);
    for (let i = 0; i < pixels.length; i += 3) pixels.set([red, green, blue], i);
    const flat: Sample = {
      record: { id: 'a', path: '/a.jpg' },
      image: { width: 120, height: 90, pixels },
    };
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    /** Per view: whether every pixel is still the image's colour, and whether every pixel is gray. */
    const inspect = async (colorJitterProbability: number, grayscaleProbability: number) => {
      const generator = new DetcoViewGenerator(
        detcoConfigSchema.parse({
          imageSize: 48,
          jigsaw: { size: 60, patchSize: 16 },
          shuffleBnGroups: 1,
          colorJitterProbability,
          grayscaleProbability,
        }),
      );
      const views = await generator.generate(flat, undefined, Rng.fromSeed(6));
      return views.map((view) => {
        let original = true;
        let gray = true;
        for (let i = 0; i < view.pixels.length; i += 3) {
          const rgb = [0, 1, 2].map((c) => (view.pixels[i + c]! * std[c]! + mean[c]!) * 255);
          if (Math.abs(rgb[0]! - red) + Math.abs(rgb[1]! - green) + Math.abs(rgb[2]! - blue) > 0.01)
            original = false;
          if (Math.abs(rgb[0]! - rgb[1]!) + Math.abs(rgb[1]! - rgb[2]!) > 0.01) gray = false;
        }
        return { original, gray };
      });
    };
    expect(await inspect(0, 0)).toEqual(Array(4).fill({ original: true, gray: false }));
    expect(await inspect(0, 1)).toEqual(Array(4).fill({ original: false, gray: true }));
    expect((await inspect(1, 0)).map((view) => view.original)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    // The paper's defaults are MoCo v2's.
    expect(options('own-crop')).toMatchObject({
      colorJitterProbability: 0.8,
      grayscaleProbability: 0.2,
    });
  });
});
