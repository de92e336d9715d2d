import {
  EventBus,
  Rng,
  collate,
  createMethod,
  type Batch,
  type DecodedImage,
  type Sample,
  type StepContext,
} from '@ssdet/core';
import { prosecoConfigSchema, type ProsecoConfig, type ProsecoConfigInput } from '../config.js';
import type { ProsecoMethod } from '../method.js';
import { plugin } from '../plugin.js';

/**
 * A demo-sized configuration (smaller still), `overrides` merged on top level by level. The fixed
 * CNN is `random` unless a test gives weights: these tests check mechanics.
 */
export function tinyConfig(overrides: ProsecoConfigInput = {}): ProsecoConfig {
  return prosecoConfigSchema.parse({
    image: { scales: [64, 80], maxSize: 96, cropResizes: [80, 96], cropSize: [64, 96] },
    backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
    transformer: {
      dModel: 32,
      numHeads: 4,
      dimFeedforward: 32,
      encoderLayers: 1,
      decoderLayers: 2,
      numPoints: 2,
    },
    numQueries: 12,
    numClasses: 2,
    embeddingDim: 16,
    maxPriors: 8,
    regions: { parameters: { 'selective-search': { preset: 'detreg', maxBoxes: 8 } } },
    backboneWeights: 'random',
    ...overrides,
  });
}

/** A decoded image of coloured rectangles on a gradient plus noise, `width × height`. */
export function syntheticImage(width: number, height: number, seed: number): DecodedImage {
  const rng = Rng.fromSeed(seed);
  const pixels = new Uint8Array(width * height * 3);
  const rects = Array.from({ length: 4 }, () => {
    const x = rng.int(0, width - 16);
    const y = rng.int(0, height - 16);
    return [
      x,
      y,
      x + rng.int(8, width - x),
      y + rng.int(8, height - y),
      rng.int(0, 256),
      rng.int(0, 256),
    ];
  });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = Math.round((255 * x) / width);
      pixels[at + 1] = Math.round((255 * y) / height);
      pixels[at + 2] = rng.int(0, 32);
      for (const [x0, y0, x1, y1, r, g] of rects) {
        if (x >= x0! && x < x1! && y >= y0! && y < y1!) {
          pixels[at] = r!;
          pixels[at + 1] = g!;
        }
      }
    }
  }
  return { width, height, pixels };
}

export function syntheticSample(width: number, height: number, seed: number): Sample {
  return {
    record: { id: `image-${seed}`, path: `/synthetic/image-${seed}.png` },
    image: syntheticImage(width, height, seed),
  };
}

export function tinyMethod(config: ProsecoConfig, seed = 0): ProsecoMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed), { bus: new EventBus() }) as ProsecoMethod;
}

/** A collated batch of images of the given sizes, through the method's regions and views. */
export async function tinyBatch(
  method: ProsecoMethod,
  sizes: readonly (readonly [number, number])[],
  seed = 0,
): Promise<Batch> {
  const rng = Rng.fromSeed(seed);
  const views = await Promise.all(
    sizes.map(async ([width, height], i) => {
      const sample = syntheticSample(width, height, seed * 100 + i);
      const sampleRng = rng.fork(`sample-${i}`);
      const regions = await method.regions.propose(sample.image, sampleRng.fork('regions'));
      return method.views.generate(sample, regions, sampleRng);
    }),
  );
  return collate(
    {
      epoch: 0,
      index: 0,
      records: sizes.map((_, i) => ({ id: `image-${i}`, path: `/synthetic/image-${i}.png` })),
      views,
      cursor: sizes.length,
    },
    method.views.viewNames,
  );
}

export function stepContext(step: number): StepContext {
  return { step, epoch: 0, totalSteps: 10, rng: Rng.fromSeed(1000 + step) };
}
