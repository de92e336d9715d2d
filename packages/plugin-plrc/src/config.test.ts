import { ConfigError, Rng, createMethod, resolvePluginConfig } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import pluginAsDefault, { plrcConfigSchema, plugin } from './index.js';

describe('PLRC configuration', () => {
  it('defaults to the paper’s ImageNet recipe as the official code sets it', () => {
    const config = plrcConfigSchema.parse({});
    expect(config).toMatchObject({
      imageSize: 224,
      backbone: { arch: 'resnet50', widthMultiplier: 1 },
      init: { zeroInitResidual: true },
      views: { cropScale: [0.2, 1], minOverlap: 0.5, maxRedraws: 100 },
      regions: { grid: 4, maskSize: 56, pointsPerRegion: 32, negativeRegions: 15, keepPoints: 16 },
      heads: {
        fcs: { hiddenDim: 2048, outDim: 128 },
        fcs2: { hiddenDim: 2048, bottleneckDim: 256, outDim: 4096 },
      },
      queueSize: 65536,
      momentum: 0.999,
      imageTemperature: 0.2,
      point: { temperature: 0.2, baseTemperature: 0.07 },
      distillation: {
        studentTemperature: 0.1,
        teacherTemperature: 0.07,
        warmupTeacherTemperature: 0.04,
        warmupEpochs: 30,
        centerMomentum: 0.9,
        affinityScale: 128,
        pairRatio: 0.5,
      },
      lossWeights: { image: 0.7, point: 0.3, distillation: 0.3 },
      officialQuirks: {
        imageTargets: false,
        truncatingQueue: false,
        swappedLossWeights: false,
        transposedPoints: false,
      },
      shuffleBnGroups: 8,
      train: {
        batchSize: 256,
        epochs: 100,
        optimizer: { type: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 },
        schedule: { type: 'cosine', minLr: 0, granularity: 'epoch' },
      },
    });
    expect(config.train.maxSteps).toBeUndefined();
  });

  it('has a demo preset that keeps the method and shrinks the model and run, and an official preset', () => {
    const demo = resolvePluginConfig(plugin, { preset: 'demo' });
    expect(demo).toMatchObject({
      imageSize: 64,
      backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
      regions: { maskSize: 16, pointsPerRegion: 32, keepPoints: 16 },
      queueSize: 8,
      momentum: 0.99,
      lossWeights: { image: 0.7, point: 0.3, distillation: 0.3 },
      point: { temperature: 0.2, baseTemperature: 0.07 },
      train: { batchSize: 8, maxSteps: 40, logEvery: 1 },
    });
    const official = resolvePluginConfig(plugin, { preset: 'official' });
    expect(Object.values(official['officialQuirks'] as object)).toEqual([true, true, true, true]);
  });

  it('rejects invalid values with the key path and what was expected', () => {
    const attempt = (overrides: unknown) => () => resolvePluginConfig(plugin, { overrides });
    expect(attempt({ imageTemperature: 0 })).toThrow(ConfigError);
    expect(attempt({ imageTemperature: 0 })).toThrow(/imageTemperature/);
    expect(attempt({ imageSize: 100 })).toThrow(
      /imageSize \(100\) must be a multiple of regions\.maskSize \(56\)/,
    );
    expect(attempt({ regions: { keepPoints: 40 } })).toThrow(/regions\.keepPoints \(40\)/);
    expect(attempt({ views: { cropScale: [0.9, 0.2] } })).toThrow(/views\.cropScale/);
    expect(attempt({ officialQuirks: { imageTarget: true } })).toThrow(/imageTarget/);
    expect(attempt({ shuffleBnGroups: 3, train: { batchSize: 8 } })).toThrow(/shuffleBnGroups/);
    expect(attempt({ lossWeights: { image: -1 } })).toThrow(/lossWeights\.image/);
  });

  it('names the registered backbones when backbone.arch is not one of them', () => {
    const config = resolvePluginConfig(plugin, {
      preset: 'demo',
      overrides: { backbone: { arch: 'resnet101' } },
    });
    expect(() => createMethod(plugin, config, Rng.fromSeed(0))).toThrow(
      /plrc: backbone\.arch: no backbone named "resnet101" is registered/,
    );
  });

  it('is exported as `plugin` and as the default export, named plrc', () => {
    expect(pluginAsDefault).toBe(plugin);
    expect(plugin.name).toBe('plrc');
    expect(plugin.coreRange).toBe('^0.1.0');
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
