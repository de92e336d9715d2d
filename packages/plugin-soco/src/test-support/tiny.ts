import {
  collate,
  createMethod,
  resolvePluginConfig,
  Rng,
  type Batch,
  type Regions,
  type Sample,
} from '@ssdet/core';
import { socoConfigSchema, type SocoConfig } from '../config.js';
import { plugin } from '../plugin.js';
import { type SocoMethod } from '../method.js';

/** The demo preset with in-memory proposals (no cache) plus `overrides`. */
export function tinyConfig(overrides: Record<string, unknown> = {}): SocoConfig {
  const config = resolvePluginConfig(plugin, {
    preset: 'demo',
    overrides: { regions: { cache: false }, ...overrides },
  });
  return socoConfigSchema.parse(config);
}

/** SoCo built by its plugin, as a run builds it (backbone, views and regions from the registries). */
export function socoMethod(config: SocoConfig, seed: number): SocoMethod {
  return createMethod(plugin, config, Rng.fromSeed(seed)) as SocoMethod;
}

/** A 96 × 72 image of colour blocks, with three proposal boxes. */
export function tinySample(seed: number): { sample: Sample; regions: Regions } {
  const width = 96;
  const height = 72;
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = (Math.floor(x / 24) + 3 * Math.floor(y / 24)) * 37 + seed * 11;
      pixels.set([block % 256, (block * 3) % 256, (x * 2 + y) % 256], (y * width + x) * 3);
    }
  }
  return {
    sample: {
      record: { id: `tiny-${seed}`, path: `/tiny-${seed}.png` },
      image: { width, height, pixels },
    },
    regions: {
      boxes: Float32Array.from([4, 4, 40, 36, 30, 20, 90, 70, 0, 30, 60, 72]),
    },
  };
}

/** A collated batch of `size` tiny samples through SoCo's views. */
export async function tinyBatch(method: SocoMethod, size: number, seed = 0): Promise<Batch> {
  const records: Sample['record'][] = [];
  const views = [];
  for (let i = 0; i < size; i++) {
    const { sample, regions } = tinySample(seed + i);
    records.push(sample.record);
    views.push(await method.views.generate(sample, regions, Rng.fromSeed(seed).fork(`s${i}`)));
  }
  return collate({ epoch: 0, index: 0, records, views, cursor: size }, method.views.viewNames);
}
