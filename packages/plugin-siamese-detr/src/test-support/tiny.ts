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
import {
  siameseDetrConfigSchema,
  type SiameseDetrConfig,
  type SiameseDetrConfigInput,
} from '../config.js';
import type { SiameseDetrMethod } from '../method.js';
import { plugin } from '../plugin.js';

/**
 * A demo-sized configuration (smaller still) with `overrides` merged on top level by level. The
 * frozen CNN is `random`: these tests check mechanics. Regions are not cached.
 */
export function tinyConfig(overrides: SiameseDetrConfigInput = {}): SiameseDetrConfig {
  return siameseDetrConfigSchema.parse({
    image: { scales: [64, 80], maxSize: 96 },
    backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
    transformer: {
      dModel: 32,
      numHeads: 2,
      dimFeedforward: 32,
      encoderLayers: 1,
      decoderLayers: 2,
      numLevels: 4,
      numPoints: 2,
    },
    numQueries: 10,
    numPatches: 5,
    regions: { cache: false, parameters: { 'edge-boxes': { maxBoxes: 30 } } },
    crop: { size: 32 },
    globalHead: { hiddenDim: 16, outDim: 16 },
    backboneWeights: 'random',
    ...overrides,
  });
}

/** Blobs of colour on a gradient: edges for EdgeBoxes to find. */
export function syntheticImage(width: number, height: number, seed: number): DecodedImage {
  const rng = Rng.fromSeed(seed);
  const pixels = new Uint8Array(width * height * 3);
  const blobs = Array.from({ length: 6 }, () => ({
    x: rng.uniform(0, width),
    y: rng.uniform(0, height),
    r: rng.uniform(6, Math.min(width, height) / 3),
    c: [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      let colour = [Math.round((200 * x) / width), Math.round((200 * y) / height), 90];
      for (const blob of blobs) {
        if ((x - blob.x) ** 2 + (y - blob.y) ** 2 < blob.r ** 2) colour = blob.c;
      }
      pixels.set(colour, at);
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

export function tinyMethod(config: SiameseDetrConfig, seed = 0): SiameseDetrMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed), {
    bus: new EventBus(),
  }) as SiameseDetrMethod;
}

/** A collated batch of images of the given sizes, through the method's regions and views. */
export async function tinyBatch(
  method: SiameseDetrMethod,
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
