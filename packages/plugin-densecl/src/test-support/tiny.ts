import { Rng, createMethod, type Batch, type StepContext } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { denseclConfigSchema, type DenseclConfig, type DenseclConfigInput } from '../config.js';
import type { DenseCLMethod } from '../method.js';
import { plugin } from '../plugin.js';

/** A DenseCL small enough for unit tests: ResNet-18 at 1/8 width, 64-pixel views (2 × 2 C5). */
export function tinyConfig(overrides: Partial<DenseclConfigInput> = {}): DenseclConfig {
  return denseclConfigSchema.parse({
    imageSize: 64,
    backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
    neck: { hiddenDim: 16, outDim: 8 },
    queueSize: 8,
    shuffleBnGroups: 2,
    train: { batchSize: 4 },
    ...overrides,
  });
}

/** DenseCL built by its plugin, as a run builds it (backbone and views from the registries). */
export function denseclMethod(config: DenseclConfig, seed: number): DenseCLMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed)) as DenseCLMethod;
}

/** A batch of random query and key views. */
export function randomBatch(size: number, imageSize: number, seed: number): Batch {
  const view = (offset: number) => ({
    images: tf.randomNormal(
      [size, imageSize, imageSize, 3],
      0,
      1,
      'float32',
      seed + offset,
    ) as tf.Tensor4D,
    geometry: [],
  });
  return { size, records: [], views: { query: view(0), key: view(1) } };
}

export function stepContext(step: number): StepContext {
  return { step, epoch: 0, totalSteps: 100, rng: Rng.fromSeed(11).fork(`step-${step}`) };
}
