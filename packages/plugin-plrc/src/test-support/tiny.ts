import { Rng, createMethod, type Batch, type StepContext, type ViewGeometry } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { plrcConfigSchema, type PlrcConfig, type PlrcConfigInput } from '../config.js';
import type { PlrcMethod } from '../method.js';
import { plugin } from '../plugin.js';
import { expandMask, regionMask } from '../regions/region-grid.js';

/** A PLRC small enough for unit tests: ResNet-18 at 1/8 width, 64-pixel views (2 × 2 C5), 16 × 16 masks. */
export function tinyConfig(overrides: Partial<PlrcConfigInput> = {}): PlrcConfig {
  return plrcConfigSchema.parse({
    imageSize: 64,
    backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
    // BasicBlocks: the official zero-init rule (`bn3`) zeroes nothing in a ResNet-18.
    init: { zeroInitResidual: false },
    regions: { maskSize: 16, pointsPerRegion: 8, keepPoints: 4, negativeRegions: 3 },
    heads: {
      fcs: { hiddenDim: 16, outDim: 8 },
      fcs2: { hiddenDim: 16, bottleneckDim: 8, outDim: 12 },
    },
    queueSize: 6,
    shuffleBnGroups: 2,
    train: { batchSize: 4 },
    ...overrides,
  });
}

/** PLRC built by its plugin, as a run builds it (backbone and views from the registries). */
export function plrcMethod(config: PlrcConfig, seed: number): PlrcMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed)) as PlrcMethod;
}

/**
 * Random views of 100 × 80 sources: the query and extra crops overlap, the key is elsewhere; masks
 * and whole-image boxes as {@link PlrcViewGenerator} writes them.
 */
export function randomBatch(size: number, config: PlrcConfig, seed: number): Batch {
  const side = config.imageSize;
  const source = { width: 100, height: 80 };
  const crops: Record<string, [number, number, number, number]> = {
    query: [10, 5, 70, 65],
    extra: [20, 10, 85, 70],
    key: [0, 20, 60, 80],
  };
  const views: Batch['views'] = Object.fromEntries(
    Object.entries(crops).map(([name, box], v) => {
      const geometry: ViewGeometry[] = Array.from({ length: size }, (_, i) => ({
        sourceBox: box,
        flipped: (i + v) % 2 === 1,
        width: side,
        height: side,
      }));
      const masks = new Int32Array(size * side * side);
      geometry.forEach((g, i) =>
        masks.set(
          expandMask(
            regionMask(g, source, config.regions.grid, config.regions.maskSize),
            config.regions.maskSize,
            side / config.regions.maskSize,
          ),
          i * side * side,
        ),
      );
      const whole = geometry.flatMap((g) => {
        const [x0, y0, x1, y1] = g.sourceBox;
        const sx = (x: number) => ((x - x0) * side) / (x1 - x0);
        const sy = (y: number) => ((y - y0) * side) / (y1 - y0);
        return g.flipped
          ? [side - sx(100), sy(0), side - sx(0), sy(80)]
          : [sx(0), sy(0), sx(100), sy(80)];
      });
      return [
        name,
        {
          images: tf.randomNormal([size, side, side, 3], 0, 1, 'float32', seed + v) as tf.Tensor4D,
          geometry,
          masks: tf.tensor3d(masks, [size, side, side], 'int32'),
          boxes: tf.tensor3d(whole, [size, 1, 4]),
          boxIds: tf.zeros([size, 1], 'int32') as tf.Tensor2D,
        },
      ];
    }),
  );
  return { size, records: [], views };
}

export function stepContext(step: number, epoch = 0): StepContext {
  return { step, epoch, totalSteps: 100, rng: Rng.fromSeed(11).fork(`step-${step}`) };
}
