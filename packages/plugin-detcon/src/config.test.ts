import { readFileSync } from 'node:fs';
import { CORE_VERSION_STRING, EventBus, PluginRegistry, resolvePluginConfig } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
};

describe('the detcon plugin and its config', () => {
  it('registers with the running core, with its package.json version and peer range', () => {
    const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
    registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
    expect(registry.get('detcon').plugin).toBe(plugin);
    expect(plugin.version).toBe(manifest.version);
    expect(plugin.coreRange).toBe(manifest.peerDependencies['@ssdet/core']);
    expect(registry.stages.backbones.names()).toEqual(expect.arrayContaining(['resnet50']));
    expect(registry.stages.regionSources.names()).toContain('fh');
  });

  it("defaults to the paper's and the official config's full-scale DetCon-B recipe", () => {
    const config = resolvePluginConfig(plugin);
    expect(config).toMatchObject({
      variant: 'b',
      imageSize: 224,
      backbone: { arch: 'resnet50', widthMultiplier: 1 },
      regions: { algorithm: 'fh', parameters: { fh: { preset: 'detcon' } }, cache: true },
      masks: { samples: 16, maxMaskId: 256 },
      projector: { hiddenDim: 4096, outDim: 256 },
      predictor: { hiddenDim: 4096 },
      momentum: 0.996,
      temperature: 0.1,
      train: {
        batchSize: 4096,
        epochs: 1000,
        optimizer: {
          type: 'lars',
          lr: 0.2,
          momentum: 0.9,
          weightDecay: 1.5e-6,
          trustCoefficient: 1e-3,
        },
        schedule: {
          type: 'cosine',
          warmupEpochs: 10,
          scaleWithBatch: true,
          referenceBatchSize: 256,
        },
      },
    });
    expect(config.train.maxSteps).toBeUndefined();
  });

  it('the s preset is DetCon-S with SimCLR’s optimiser settings; --set variant=s works over the demo', () => {
    expect(resolvePluginConfig(plugin, { preset: 's' })).toMatchObject({
      variant: 's',
      train: { optimizer: { lr: 0.3, weightDecay: 1e-6 } },
    });
    const demo = resolvePluginConfig(plugin, { preset: 'demo', overrides: { variant: 's' } });
    expect(demo).toMatchObject({ variant: 's', imageSize: 96, train: { batchSize: 16 } });
  });

  it('rejects invalid and unknown keys by path', () => {
    expect(() => resolvePluginConfig(plugin, { overrides: { variant: 'c' } })).toThrow(/variant/);
    expect(() => resolvePluginConfig(plugin, { overrides: { imageSize: 100 } })).toThrow(
      /imageSize/,
    );
    expect(() => resolvePluginConfig(plugin, { overrides: { masks: { samples: 0 } } })).toThrow(
      /masks\.samples/,
    );
    expect(() => resolvePluginConfig(plugin, { overrides: { temperature: 0 } })).toThrow(
      /temperature/,
    );
    expect(() => resolvePluginConfig(plugin, { overrides: { projectr: {} } })).toThrow(/projectr/);
  });
});
