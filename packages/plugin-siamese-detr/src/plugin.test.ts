import { ConfigError, resolvePluginConfig } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { resolveArchitecture, siameseDetrConfigSchema, type SiameseDetrConfig } from './config.js';
import defaultExport, { plugin } from './index.js';

describe('the siamese-detr plugin', () => {
  it('is exported as `plugin` and as the default, with demo and deformable-detr presets and a frozen pre-trained CNN', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin.name).toBe('siamese-detr');
    expect(Object.keys(plugin.presets ?? {}).sort()).toEqual(['deformable-detr', 'demo']);
    expect(plugin.pretrainedBackbone?.configKey).toBe('backboneWeights');
  });

  it("defaults to the paper's vanilla DETR ImageNet recipe", () => {
    const config = resolvePluginConfig(plugin) as SiameseDetrConfig;
    expect(config.detector).toBe('detr');
    expect(resolveArchitecture(config)).toEqual({
      detector: 'detr',
      numQueries: 100,
      dimFeedforward: 2048,
      preNorm: false,
      levels: ['C5'],
    });
    expect(config.numPatches).toBe(10);
    expect(config.regions).toMatchObject({
      algorithm: 'edge-boxes',
      parameters: { 'edge-boxes': { preset: 'siamese-detr' } },
      cache: true,
    });
    expect(config.boxes).toEqual({ areaMinRatio: 0.05, padJitter: 0.1, disturbance: 0.1 });
    expect(config.image).toMatchObject({
      outerScale: [0.5, 1],
      viewIou: 0.5,
      flipP: 0.5,
      maxSize: 600,
    });
    expect(config.crop.size).toBe(128);
    expect(config.loss).toEqual({
      classWeight: 1,
      bboxWeight: 5,
      giouWeight: 2,
      featureWeight: 3,
      globalWeight: 10,
      eosCoef: 0.1,
      auxLoss: true,
    });
    expect(config.train).toMatchObject({
      batchSize: 256,
      maxSteps: 300000,
      optimizer: { type: 'adamw', lr: 1e-4, weightDecay: 1e-4 },
      clipGradNorm: 0.1,
    });
  });

  it('the deformable-detr preset gives 300 queries, FFN 1024 and C3–C5', () => {
    const config = resolvePluginConfig(plugin, { preset: 'deformable-detr' }) as SiameseDetrConfig;
    expect(resolveArchitecture(config)).toEqual({
      detector: 'deformable-detr',
      numQueries: 300,
      dimFeedforward: 1024,
      preNorm: false,
      levels: ['C3', 'C4', 'C5'],
    });
  });

  it('resolves the demo preset to a small run', () => {
    const config = resolvePluginConfig(plugin, { preset: 'demo' }) as SiameseDetrConfig;
    expect(config.train).toMatchObject({ batchSize: 2, maxSteps: 20 });
    expect(resolveArchitecture(config).numQueries % config.numPatches).toBe(0);
  });

  it('refuses invalid configurations with a message naming the field', () => {
    const issue = (input: unknown) => {
      const result = siameseDetrConfigSchema.safeParse(input);
      expect(result.success).toBe(false);
      return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    expect(issue({ numQueries: 95 })).toMatch(/numQueries: .*multiple of numPatches \(10\)/);
    expect(issue({ detector: 'deformable-detr', transformer: { preNorm: true } })).toMatch(
      /transformer.preNorm/,
    );
    expect(issue({ image: { viewIou: 1.5 } })).toMatch(/image.viewIou/);
    expect(issue({ image: { scales: [700] } })).toMatch(
      /image.scales: shorter sides must not exceed image.maxSize \(600\)/,
    );
    expect(issue({ detector: 'conditional-detr' })).toMatch(/detector/);
    expect(() => resolvePluginConfig(plugin, { overrides: { numPatches: 0 } })).toThrow(
      ConfigError,
    );
  });
});
