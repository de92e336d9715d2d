import { readFileSync } from 'node:fs';
import { CORE_VERSION_STRING, EventBus, PluginRegistry, resolvePluginConfig } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
};

describe('the __method__ plugin', () => {
  it('registers with the running core, with its package.json version and peer range', () => {
    const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
    registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
    expect(registry.get('__method__').plugin).toBe(plugin);
    expect(plugin.version).toBe(manifest.version);
    expect(plugin.coreRange).toBe(manifest.peerDependencies['@ssdet/core']);
    // The backbones come from @ssdet/nn, which the plugin includes.
    expect(registry.stages.backbones.names()).toEqual(
      expect.arrayContaining(['resnet18', 'resnet50']),
    );
  });

  it('defaults to the paper, train settings included', () => {
    const config = resolvePluginConfig(plugin);
    expect(config).toMatchObject({
      imageSize: 224,
      backbone: { arch: 'resnet50', widthMultiplier: 1 },
      projector: { hiddenDim: 4096, outDim: 256 },
      momentum: 0.996,
      train: { batchSize: 4096, epochs: 1000, optimizer: { type: 'lars', lr: 0.2 } },
    });
    expect(config.train.maxSteps).toBeUndefined();
  });

  it('takes --max-steps and --batch-size over the demo preset, keeping its other train keys', () => {
    const config = resolvePluginConfig(plugin, {
      preset: 'demo',
      overrides: { train: { maxSteps: 3, batchSize: 4 } },
    });
    expect(config.train).toMatchObject({
      maxSteps: 3,
      batchSize: 4,
      logEvery: 1,
      data: { workers: 0 },
    });
    expect(config.backbone).toEqual({ arch: 'resnet18', widthMultiplier: 0.125 });
  });

  it('rejects invalid and unknown keys by path', () => {
    expect(() => resolvePluginConfig(plugin, { overrides: { train: { batchSize: 0 } } })).toThrow(
      /train\.batchSize/,
    );
    expect(() => resolvePluginConfig(plugin, { overrides: { imageSize: 'big' } })).toThrow(
      /imageSize/,
    );
    expect(() => resolvePluginConfig(plugin, { overrides: { projectr: {} } })).toThrow(/projectr/);
  });
});
