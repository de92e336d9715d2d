import { readFileSync } from 'node:fs';
import {
  CORE_VERSION_STRING,
  ConfigError,
  EventBus,
  PluginRegistry,
  Rng,
  createMethod,
  resolvePluginConfig,
} from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import pluginAsDefault, { detcoConfigSchema, plugin } from './index.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
};

describe('DetCo configuration', () => {
  it('defaults to the paper’s recipe on MoCo v2’s schedule', () => {
    const config = detcoConfigSchema.parse({});
    expect(config).toMatchObject({
      imageSize: 224,
      cropScale: [0.2, 1],
      colorJitterProbability: 0.8,
      grayscaleProbability: 0.2,
      backbone: { arch: 'resnet50', widthMultiplier: 1 },
      jigsaw: { source: 'own-crop', size: 255, cropScale: [0.6, 1], grid: 3, patchSize: 64 },
      heads: { outDim: 128, hiddenScale: 1, localLrMultiplier: 1 },
      queueSize: 65536,
      momentum: 0.999,
      temperature: 0.2,
      stageWeights: [0.1, 0.4, 0.7, 1.0],
      shuffleBnGroups: 8,
      train: {
        batchSize: 256,
        epochs: 200,
        optimizer: { type: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4, nesterov: false },
        schedule: {
          type: 'cosine',
          minLr: 0,
          warmupSteps: 0,
          warmupEpochs: 0,
          scaleWithBatch: true,
          referenceBatchSize: 256,
          granularity: 'epoch',
        },
      },
    });
    expect(config.train.maxSteps).toBeUndefined();
  });

  it('has a demo preset that keeps the paper’s losses and shrinks the model and run', () => {
    const demo = resolvePluginConfig(plugin, { preset: 'demo' });
    expect(demo).toMatchObject({
      imageSize: 64,
      // The two departures the README measures: no colour jitter or grayscale, slower local heads.
      colorJitterProbability: 0,
      grayscaleProbability: 0,
      heads: { outDim: 128, localLrMultiplier: 0.01 },
      backbone: { arch: 'resnet18', widthMultiplier: 0.5 },
      jigsaw: { source: 'own-crop', size: 96, grid: 3, patchSize: 24 },
      queueSize: 16,
      momentum: 0.99,
      temperature: 0.2,
      stageWeights: [0.1, 0.4, 0.7, 1.0],
      shuffleBnGroups: 2,
      train: {
        batchSize: 8,
        maxSteps: 120,
        logEvery: 1,
        optimizer: { lr: 0.03 },
        schedule: { scaleWithBatch: false, granularity: 'step' },
      },
    });
  });

  it('takes --max-steps and --batch-size over the demo preset, keeping its other train keys', () => {
    const config = resolvePluginConfig(plugin, {
      preset: 'demo',
      overrides: { train: { maxSteps: 3, batchSize: 4 } },
    });
    expect(config.train).toMatchObject({ maxSteps: 3, batchSize: 4, logEvery: 1 });
    expect(config.backbone).toEqual({ arch: 'resnet18', widthMultiplier: 0.5 });
  });

  it('shuffleBnGroups auto (the default) follows the batch size the user chose', () => {
    const groupsFor = (overrides: unknown, preset?: string) =>
      resolvePluginConfig(plugin, { overrides, ...(preset === undefined ? {} : { preset }) })
        .shuffleBnGroups;
    expect(groupsFor({})).toBe(8); // MoCo v2's 8 GPUs × 32
    expect(groupsFor({ train: { batchSize: 4 } })).toBe(2);
    expect(groupsFor({ train: { batchSize: 12 } })).toBe(6);
    expect(groupsFor({ train: { batchSize: 3 } })).toBe(1);
    expect(groupsFor({ shuffleBnGroups: 3, train: { batchSize: 12 } })).toBe(3);
    expect(groupsFor({}, 'demo')).toBe(2);
    // One group is plain BatchNorm over the batch: fine for any batch, even of one image.
    expect(groupsFor({ shuffleBnGroups: 1, train: { batchSize: 1 } })).toBe(1);
  });

  it('rejects invalid values with the key path and what was expected', () => {
    const attempt = (overrides: unknown) => () => resolvePluginConfig(plugin, { overrides });
    expect(attempt({ temperature: 0 })).toThrow(ConfigError);
    expect(attempt({ temperature: 0 })).toThrow(/temperature: got 0/);
    expect(attempt({ momentum: 1.5 })).toThrow(/momentum: got 1\.5/);
    expect(attempt({ stageWeights: [0.1, 0.4, 0.7] })).toThrow(/stageWeights/);
    expect(attempt({ jigsaw: { source: 'patches' } })).toThrow(/jigsaw\.source/);
    expect(attempt({ heads: { hiddenScale: 2 } })).toThrow(/heads\.hiddenScale/);
    expect(attempt({ heads: { localLrMultiplier: -1 } })).toThrow(
      /heads\.localLrMultiplier: got -1/,
    );
    expect(attempt({ colorJitterProbability: 1.2 })).toThrow(/colorJitterProbability: got 1\.2/);
    expect(attempt({ grayscaleProbability: -0.1 })).toThrow(/grayscaleProbability: got -0\.1/);
    expect(attempt({ lambda: 0.5 })).toThrow(/no key\(s\) lambda \(unknown\)/);
    expect(attempt({ shuffleBnGroups: 8, train: { batchSize: 12 } })).toThrow(
      /shuffleBnGroups must divide train\.batchSize \(12\) into groups of at least 2 images; got 8 \(set shuffleBnGroups=auto, which gives 6 here/,
    );
    expect(attempt({ jigsaw: { patchSize: 96 } })).toThrow(
      /a 3 × 3 grid on jigsaw\.size \(255\) has cells of 85 pixels, smaller than jigsaw\.patchSize \(96\)/,
    );
    expect(attempt({ imageSize: 160, jigsaw: { source: 'global-view' } })).toThrow(
      /a 3 × 3 grid on imageSize \(160\) has cells of 53 pixels, smaller than jigsaw\.patchSize \(64\)/,
    );
    // The port's views: the jigsaw cut from 255-pixel global crops of area 0.6–1.
    expect(
      resolvePluginConfig(plugin, {
        overrides: { imageSize: 255, cropScale: [0.6, 1], jigsaw: { source: 'global-view' } },
      }).jigsaw.source,
    ).toBe('global-view');
  });

  it('names the registered backbones when backbone.arch is not one of them', () => {
    const config = resolvePluginConfig(plugin, {
      preset: 'demo',
      overrides: { backbone: { arch: 'resnet101' } },
    });
    expect(() => createMethod(plugin, config, Rng.fromSeed(0))).toThrow(
      /detco: backbone\.arch: no backbone named "resnet101" is registered; available: resnet18, resnet34, resnet50/,
    );
  });
});

describe('the detco plugin', () => {
  it('registers with the running core, with its package.json version and peer range', () => {
    const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
    registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
    expect(registry.get('detco').plugin).toBe(plugin);
    expect(pluginAsDefault).toBe(plugin);
    expect(plugin.version).toBe(manifest.version);
    expect(plugin.coreRange).toBe(manifest.peerDependencies['@ssdet/core']);
    expect(registry.stages.backbones.names()).toEqual(
      expect.arrayContaining(['resnet18', 'resnet50']),
    );
  });
});
