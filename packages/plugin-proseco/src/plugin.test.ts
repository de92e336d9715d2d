import { readFileSync } from 'node:fs';
import { CORE_VERSION_STRING, EventBus, PluginRegistry, resolvePluginConfig } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import type { ProsecoConfig } from './config.js';
import defaultExport, { plugin } from './index.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
};

describe('the proseco plugin', () => {
  it('registers with the running core under its package.json version, needing a pre-trained CNN', () => {
    const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
    registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
    expect(registry.get('proseco').plugin).toBe(plugin);
    expect(defaultExport).toBe(plugin);
    expect(plugin.version).toBe(manifest.version);
    expect(plugin.coreRange).toBe(manifest.peerDependencies['@ssdet/core']);
    expect(plugin.pretrainedBackbone?.configKey).toBe('backboneWeights');
    expect(registry.stages.regionSources.names()).toContain('selective-search');
  });

  it('defaults to the settled recipe, with the detector named for ssdet benchmark', () => {
    const config = resolvePluginConfig(plugin) as ProsecoConfig;
    expect(config).toMatchObject({
      detector: 'deformable-detr',
      backbone: { arch: 'resnet50' },
      transformer: { dModel: 256, dimFeedforward: 1024, encoderLayers: 6, numLevels: 4 },
      numQueries: 300,
      maxPriors: 30,
      contrast: {
        iouThreshold: 0.5,
        temperature: 0.1,
        anchorBox: 'teacher',
        positives: 'mean-log',
      },
      momentum: 0.999,
      loss: { classWeight: 2, bboxWeight: 5, giouWeight: 2, contrastWeight: 1 },
      regions: { algorithm: 'selective-search', cache: false },
      train: {
        batchSize: 64,
        epochs: 5,
        optimizer: { type: 'adamw', lr: 2e-4 },
        clipGradNorm: 0.1,
      },
    });
    expect(config.backboneWeights).toBeUndefined();
  });

  it('takes --max-steps over the demo preset, keeping its other keys', () => {
    const config = resolvePluginConfig(plugin, {
      preset: 'demo',
      overrides: { train: { maxSteps: 3 } },
    }) as ProsecoConfig;
    expect(config.train).toMatchObject({ maxSteps: 3, batchSize: 2, logEvery: 1 });
    expect(config.backbone).toEqual({ arch: 'resnet18', widthMultiplier: 0.125 });
    expect(config.numQueries).toBe(30);
  });

  it('rejects invalid values and unknown keys by path', () => {
    const reject = (overrides: Record<string, unknown>, pattern: RegExp) =>
      expect(() => resolvePluginConfig(plugin, { overrides })).toThrow(pattern);
    reject({ contrast: { iouThreshold: 1.5 } }, /contrast\.iouThreshold/);
    reject({ contrast: { temperature: 0 } }, /contrast\.temperature/);
    reject({ contrast: { anchorBox: 'both' } }, /contrast\.anchorBox/);
    reject({ momentum: 2 }, /momentum/);
    reject({ detector: 'detr' }, /detector/);
    reject({ transformer: { dModel: 48 } }, /transformer\.dModel must be divisible/);
    reject({ minPriors: 40 }, /minPriors must not exceed maxPriors/);
    reject(
      { matcher: { costBbox: 0, costGiou: 0 } },
      /matcher\.costBbox, matcher\.costGiou and matcher\.costEmbedding/,
    );
    reject({ contrst: {} }, /contrst/);
  });
});
