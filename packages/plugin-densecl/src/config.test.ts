import { ConfigError, Rng, createMethod, resolvePluginConfig } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import pluginAsDefault, { denseclConfigSchema, plugin } from './index.js';

describe('DenseCL configuration', () => {
  it('defaults to the paper’s ImageNet recipe', () => {
    const config = denseclConfigSchema.parse({});
    expect(config).toMatchObject({
      imageSize: 224,
      backbone: { arch: 'resnet50', widthMultiplier: 1 },
      neck: { hiddenDim: 2048, outDim: 128 },
      queueSize: 65536,
      momentum: 0.999,
      temperature: 0.2,
      lossLambda: 0.5,
      warmupSteps: 0,
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
          scaleWithBatch: false,
          granularity: 'epoch',
        },
      },
    });
  });

  it('has a demo preset that keeps the paper’s method and shrinks the model and run', () => {
    const demo = resolvePluginConfig(plugin, { preset: 'demo' });
    expect(demo).toMatchObject({
      imageSize: 96,
      backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
      queueSize: 16,
      momentum: 0.999,
      temperature: 0.2,
      lossLambda: 0.5,
      train: {
        batchSize: 8,
        maxSteps: 30,
        logEvery: 1,
        checkpointEvery: 10,
        optimizer: { lr: 0.03 },
      },
    });
  });

  it('rejects invalid values with the key path and what was expected', () => {
    const attempt = (overrides: unknown) => () => resolvePluginConfig(plugin, { overrides });
    expect(attempt({ temperature: 0 })).toThrow(ConfigError);
    expect(attempt({ temperature: 0 })).toThrow(/temperature: got 0/);
    expect(attempt({ lossLambda: 1.5 })).toThrow(/lossLambda: got 1\.5/);
    expect(attempt({ backbone: { arch: '' } })).toThrow(/backbone\.arch/);
    expect(attempt({ lambda: 0.5 })).toThrow(/no key\(s\) lambda \(unknown\)/);
    expect(attempt({ shuffleBnGroups: 8, train: { batchSize: 12 } })).toThrow(
      /shuffleBnGroups must divide train\.batchSize \(12\) into groups of at least 2 images; got 8 \(set shuffleBnGroups=auto, which gives 6 here/,
    );
    expect(attempt({ shuffleBnGroups: 4, train: { batchSize: 4 } })).toThrow(/shuffleBnGroups/);
    expect(attempt({ shuffleBnGroups: 'many' })).toThrow(/shuffleBnGroups: got "many"/);
    expect(
      resolvePluginConfig(plugin, { overrides: { shuffleBnGroups: 3, train: { batchSize: 12 } } })
        .shuffleBnGroups,
    ).toBe(3);
  });

  it('shuffleBnGroups auto (the default) follows the batch size the user chose', () => {
    const groupsFor = (overrides: unknown, preset?: string) =>
      resolvePluginConfig(plugin, { overrides, ...(preset === undefined ? {} : { preset }) })
        .shuffleBnGroups;
    expect(groupsFor({})).toBe(8); // the paper's 256 on 8 GPUs
    expect(groupsFor({ train: { batchSize: 4 } })).toBe(2);
    expect(groupsFor({ train: { batchSize: 12 } })).toBe(6);
    expect(groupsFor({ train: { batchSize: 2 } })).toBe(1);
    expect(groupsFor({ shuffleBnGroups: 'auto', train: { batchSize: 20 } })).toBe(5);
    // The demo preset keeps its explicit 2 groups; auto is there for the asking.
    expect(groupsFor({}, 'demo')).toBe(2);
    // One group is plain BatchNorm over the batch: fine for any batch, even of one image.
    expect(groupsFor({ shuffleBnGroups: 1, train: { batchSize: 1 } })).toBe(1);
    expect(groupsFor({ shuffleBnGroups: 'auto', train: { batchSize: 6 } }, 'demo')).toBe(3);
  });

  it('names the registered backbones when backbone.arch is not one of them', () => {
    const config = resolvePluginConfig(plugin, {
      preset: 'demo',
      overrides: { backbone: { arch: 'resnet101' } },
    });
    expect(() => createMethod(plugin, config, Rng.fromSeed(0))).toThrow(
      /densecl: backbone\.arch: no backbone named "resnet101" is registered; available: resnet18, resnet34, resnet50/,
    );
  });

  it('is exported as `plugin` and as the default export, named densecl', () => {
    expect(pluginAsDefault).toBe(plugin);
    expect(plugin.name).toBe('densecl');
    expect(plugin.coreRange).toBe('^0.1.0');
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
