import { describe, expect, it } from 'vitest';
import { Rng, type Sample } from '@ssdet/core';
import { IMAGENET_MEAN, IMAGENET_STD } from '../photometric/normalize.js';
import { pilGaussianBlur } from '../photometric/pil-gaussian-blur.js';
import { byolViews, mocoV2Views } from './recipes.js';
import { SpecViewGenerator } from './spec-view-generator.js';
import { viewSpecSchema, viewStepSchema } from './view-spec.js';

const image = {
  width: 64,
  height: 48,
  pixels: Uint8Array.from({ length: 64 * 48 * 3 }, (_, i) => (i * 31) % 251),
};
const sample = { record: { id: 'x', path: 'x' }, image };

describe('SpecViewGenerator', () => {
  it('is deterministic per rng stream and different across streams', async () => {
    const generator = new SpecViewGenerator(mocoV2Views(16));
    const a = await generator.generate(sample, undefined, Rng.fromSeed(1));
    const b = await generator.generate(sample, undefined, Rng.fromSeed(1));
    const c = await generator.generate(sample, undefined, Rng.fromSeed(2));
    expect(Array.from(a[1]!.pixels)).toEqual(Array.from(b[1]!.pixels));
    expect(Array.from(a[1]!.pixels)).not.toEqual(Array.from(c[1]!.pixels));
    expect(a[0]!.geometry).not.toEqual(a[1]!.geometry); // the two views draw independently
  });

  it('normalises: an unaugmented view of a constant image has the normalised constant everywhere', async () => {
    const gray = {
      ...sample,
      image: { width: 8, height: 8, pixels: new Uint8Array(8 * 8 * 3).fill(128) },
    };
    const generator = new SpecViewGenerator([
      viewSpecSchema.parse({
        name: 'plain',
        steps: [{ op: 'resize', size: 4 }, { op: 'normalize' }],
      }),
    ]);
    const [view] = await generator.generate(gray, undefined, Rng.fromSeed(0));
    expect(view!.pixels[0]).toBeCloseTo((128 / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0], 5);
    expect(view!.pixels[5]).toBeCloseTo((128 / 255 - IMAGENET_MEAN[2]) / IMAGENET_STD[2], 5);
  });

  it('BYOL view 1 always blurs and never solarizes; view 2 solarizes about 20% of the time', async () => {
    const [first, second] = byolViews(16);
    expect(first!.steps.find((step) => step.op === 'gaussianBlur')).toMatchObject({ p: 1 });
    expect(first!.steps.find((step) => step.op === 'solarize')).toMatchObject({ p: 0 });
    expect(second!.steps.find((step) => step.op === 'solarize')).toMatchObject({ p: 0.2 });
  });

  it('MoCo v2 views jitter, grey and blur the PIL way; BYOL views the torchvision way', () => {
    const colourSteps = (steps: readonly { op: string }[]) =>
      steps.filter((s) => ['colorJitter', 'grayscale', 'gaussianBlur'].includes(s.op));
    for (const spec of mocoV2Views(16)) {
      expect(colourSteps(spec.steps)).toHaveLength(3);
      for (const step of colourSteps(spec.steps)) expect(step).toMatchObject({ algorithm: 'pil' });
    }
    for (const spec of byolViews(16)) {
      expect(colourSteps(spec.steps)).toHaveLength(3);
      for (const step of colourSteps(spec.steps))
        expect(step).toMatchObject({ algorithm: 'torchvision' });
    }
    // A spec that names no algorithm keeps the torchvision ops it always had.
    expect(viewStepSchema.parse({ op: 'gaussianBlur' })).toMatchObject({
      algorithm: 'torchvision',
      sigma: [0.1, 2],
      p: 0.5,
    });
    expect(viewStepSchema.parse({ op: 'colorJitter' })).toMatchObject({ algorithm: 'torchvision' });
  });

  it("'pil' jitter and grayscale steps leave 8-bit levels; torchvision ones do not", async () => {
    const generate = async (steps: Record<string, unknown>[]) =>
      (
        await new SpecViewGenerator([
          viewSpecSchema.parse({ name: 'v', steps: [{ op: 'resize', size: [20, 24] }, ...steps] }),
        ]).generate(sample, undefined, Rng.fromSeed(6))
      )[0]!.pixels;
    const offLevel = (pixels: Float32Array): number =>
      pixels.filter((v) => Math.abs(v * 255 - Math.round(v * 255)) > 1e-3).length;
    for (const op of [
      { op: 'colorJitter', p: 1 },
      { op: 'grayscale', p: 1 },
    ]) {
      expect(offLevel(await generate([{ ...op, algorithm: 'pil' }]))).toBe(0);
      expect(offLevel(await generate([op]))).toBeGreaterThan(100);
    }
  });

  it("the 'pil' blur step is Pillow's blur of the rendered view, on 8-bit levels", async () => {
    const viewWith = (blur: Record<string, unknown>[]): SpecViewGenerator =>
      new SpecViewGenerator([
        viewSpecSchema.parse({ name: 'v', steps: [{ op: 'resize', size: [20, 24] }, ...blur] }),
      ]);
    const generate = async (blur: Record<string, unknown>[]) =>
      (await viewWith(blur).generate(sample, undefined, Rng.fromSeed(4)))[0]!;
    const plain = await generate([]);
    const pil = await generate([{ op: 'gaussianBlur', sigma: [1.3, 1.3], p: 1, algorithm: 'pil' }]);
    const torchvision = await generate([{ op: 'gaussianBlur', sigma: [1.3, 1.3], p: 1 }]);
    const expected = pilGaussianBlur(
      { width: plain.width, height: plain.height, data: plain.pixels },
      1.3,
    );
    expect(Array.from(pil.pixels)).toEqual(Array.from(expected.data));
    const offLevel = (pixels: Float32Array): number =>
      pixels.filter((v) => Math.abs(v * 255 - Math.round(v * 255)) > 1e-3).length;
    expect(offLevel(pil.pixels)).toBe(0);
    expect(offLevel(torchvision.pixels)).toBeGreaterThan(pil.pixels.length / 2);
  });

  it("rejects a kernel size for the 'pil' blur, and the 'pil' blur after normalize", () => {
    expect(() =>
      viewStepSchema.parse({ op: 'gaussianBlur', algorithm: 'pil', kernelSize: 23 }),
    ).toThrow(/kernelSize applies to algorithm 'torchvision' only/);
    const spec = viewSpecSchema.parse({
      name: 'late',
      steps: [{ op: 'normalize' }, { op: 'gaussianBlur', algorithm: 'pil' }],
    });
    expect(() => new SpecViewGenerator([spec])).toThrow(
      /View "late": gaussianBlur with algorithm 'pil' comes after normalize/,
    );
  });

  it('maps regions into every view with their ids', async () => {
    const generator = new SpecViewGenerator(mocoV2Views(16));
    const regions = { boxes: Float32Array.from([0, 0, 64, 48, 10, 10, 20, 20]) };
    const views = await generator.generate(sample, regions, Rng.fromSeed(3));
    for (const view of views) {
      expect(view.boxIds![0]).toBe(0); // the whole image is in every crop
      expect(Array.from(view.boxes!.slice(0, 4))).toEqual([0, 0, 16, 16]);
    }
  });

  it('maps the dataset’s ground truth only when asked (by default, when regions are needed)', async () => {
    const annotated: Sample = {
      ...sample,
      annotations: {
        boxes: Float32Array.from([0, 0, 64, 48]),
        categories: Int32Array.from([1]),
        instanceMask: {
          width: sample.image.width,
          height: sample.image.height,
          labels: new Int32Array(sample.image.width * sample.image.height).fill(1),
        },
      },
    };
    const carries = async (generator: SpecViewGenerator) =>
      (await generator.generate(annotated, undefined, Rng.fromSeed(3))).map(
        (view) => view.boxes !== undefined && view.mask !== undefined,
      );
    expect(await carries(new SpecViewGenerator(mocoV2Views(16)))).toEqual([false, false]);
    expect(await carries(new SpecViewGenerator(mocoV2Views(16), { groundTruth: true }))).toEqual([
      true,
      true,
    ]);
    expect(await carries(new SpecViewGenerator(mocoV2Views(16), { needsRegions: true }))).toEqual([
      true,
      true,
    ]);
  });

  it('rejects a crop after a photometric step, and duplicate view names', () => {
    const spec = viewSpecSchema.parse({
      name: 'v',
      steps: [{ op: 'grayscale' }, { op: 'resize', size: 8 }],
    });
    expect(() => new SpecViewGenerator([spec])).toThrow(
      /View "v": the geometric step "resize" comes after a photometric step/,
    );
    expect(() => new SpecViewGenerator(mocoV2Views(8, ['a', 'a']))).toThrow(/unique/);
  });
});
