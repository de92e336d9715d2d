import { Rng, createMethod, type Batch, type StepContext } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { detcoConfigSchema, type DetcoConfig, type DetcoConfigInput } from '../config.js';
import type { DetcoMethod } from '../method.js';
import { plugin } from '../plugin.js';

/**
 * A DetCo small enough for unit tests: ResNet-18 at 1/8 width (C2…C5 = 8, 16, 32, 64 channels),
 * 64-pixel global views, 3 × 3 sets of 16-pixel patches, D = 8, queues of 8, batch 4 in two
 * shuffle-BN groups.
 */
export function tinyConfig(overrides: Partial<DetcoConfigInput> = {}): DetcoConfig {
  return detcoConfigSchema.parse({
    imageSize: 64,
    backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
    jigsaw: { size: 48, patchSize: 16 },
    heads: { outDim: 8 },
    queueSize: 8,
    shuffleBnGroups: 2,
    train: { batchSize: 4 },
    ...overrides,
  });
}

/** DetCo built by its plugin, as a run builds it (backbone and views from the registries). */
export function detcoMethod(config: DetcoConfig, seed: number): DetcoMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed)) as DetcoMethod;
}

/** A batch of random views: global `imageSize` squares and 3 × 3 sets of `patchSize` patches. */
export function randomBatch(size: number, config: DetcoConfig, seed: number): Batch {
  const view = (height: number, width: number, offset: number) => ({
    images: tf.randomNormal(
      [size, height, width, 3],
      0,
      1,
      'float32',
      seed + offset,
    ) as tf.Tensor4D,
    geometry: [],
  });
  const { imageSize } = config;
  const { patchSize, grid } = config.jigsaw;
  return {
    size,
    records: [],
    views: {
      query: view(imageSize, imageSize, 0),
      key: view(imageSize, imageSize, 1),
      query_patches: view(grid * grid * patchSize, patchSize, 2),
      key_patches: view(grid * grid * patchSize, patchSize, 3),
    },
  };
}

export function stepContext(step: number): StepContext {
  return { step, epoch: 0, totalSteps: 100, rng: Rng.fromSeed(11).fork(`step-${step}`) };
}
