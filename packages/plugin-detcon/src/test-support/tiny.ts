import { Rng, createMethod, type Batch, type StepContext } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { detconConfigSchema, type DetconConfig, type DetconConfigInput } from '../config.js';
import type { DetconMethod } from '../method.js';
import { plugin } from '../plugin.js';

/** A DetCon small enough for unit tests: ResNet-18 at 1/8 width, 64-pixel views (a 2 × 2 grid), 4 masks, D = 8. */
export function tinyConfig(overrides: Partial<DetconConfigInput> = {}): DetconConfig {
  return detconConfigSchema.parse({
    imageSize: 64,
    backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
    masks: { samples: 4 },
    projector: { hiddenDim: 16, outDim: 8 },
    predictor: { hiddenDim: 16 },
    regions: { cache: false },
    train: { batchSize: 4 },
    ...overrides,
  });
}

/** DetCon built by its plugin, as a run builds it (backbone, views and regions from the registries). */
export function detconMethod(config: DetconConfig, seed: number): DetconMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed)) as DetconMethod;
}

/**
 * Random views with quadrant masks: image b's view masks are 2 × 2 blocks of ids, view 2's
 * shifted by one id, so the views share some masks and not others.
 */
export function randomBatch(size: number, imageSize: number, seed: number): Batch {
  const half = imageSize / 2;
  const masks = (shift: number) => {
    const labels = new Int32Array(size * imageSize * imageSize);
    for (let b = 0; b < size; b++)
      for (let y = 0; y < imageSize; y++)
        for (let x = 0; x < imageSize; x++)
          labels[(b * imageSize + y) * imageSize + x] =
            ((y < half ? 0 : 2) + (x < half ? 0 : 1) + shift) % 4;
    return tf.tensor3d(labels, [size, imageSize, imageSize], 'int32');
  };
  const view = (offset: number) => ({
    images: tf.randomNormal(
      [size, imageSize, imageSize, 3],
      0,
      1,
      'float32',
      seed + offset,
    ) as tf.Tensor4D,
    geometry: [],
    masks: masks(offset),
  });
  return { size, records: [], views: { view1: view(0), view2: view(1) } };
}

export function stepContext(step: number, totalSteps = 100): StepContext {
  return { step, epoch: 0, totalSteps, rng: Rng.fromSeed(11).fork(`step-${step}`) };
}
