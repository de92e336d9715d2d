import { ConfigError, parseConfig, resolvePluginConfig } from '@ssdet/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { soco400EpochPreset, socoConfigSchema } from './config.js';
import { plugin } from './plugin.js';
import { PLUGIN_VERSION } from './version.js';

describe('SoCo configuration', () => {
  it("defaults to the paper's 100-epoch ResNet-50-FPN recipe", () => {
    const config = socoConfigSchema.parse({});
    expect(config.backbone.arch).toBe('resnet50');
    expect([config.imageSize, config.views.smallSize, config.views.resizedSize]).toEqual([
      224, 112, 0,
    ]);
    expect(config.boxes).toMatchObject({ k: 4, jitterP: 0.5, jitterRatio: 0.1 });
    expect(config.roi.levelThresholds).toEqual([48, 96, 192, 224]);
    expect(config.momentum).toBe(0.99);
    expect(config.train.optimizer).toMatchObject({ type: 'lars', lr: 1, weightDecay: 1e-5 });
    expect(config.train.schedule).toMatchObject({
      type: 'cosine',
      warmupEpochs: 10,
      scaleWithBatch: true,
    });
    expect(config.train.batchSize).toBe(2048);
    // SyncBN, as `SoCo_FPN.py` converts every BatchNorm; the demo recipe keeps it.
    expect(config.train.syncBn).toBe(true);
    const demo = resolvePluginConfig(plugin, { preset: 'demo' }) as { train: { syncBn: boolean } };
    expect(demo.train.syncBn).toBe(true);
  });

  it('the star preset is SoCo*: V3 at 192 and V4 at 112', () => {
    const config = resolvePluginConfig(plugin, { preset: 'star' }) as {
      views: { smallSize: number; resizedSize: number };
    };
    expect([config.views.smallSize, config.views.resizedSize]).toEqual([192, 112]);
  });

  it('the 400-epoch preset is SoCo_FPN_400ep.sh: the 100-epoch recipe, 400 epochs, no cutout', () => {
    // Resolved as a registered preset is: schema defaults ← preset.
    const withPreset = { ...plugin, presets: { ...plugin.presets, '400ep': soco400EpochPreset } };
    const hundred = socoConfigSchema.parse(resolvePluginConfig(withPreset, {}));
    const fourHundred = socoConfigSchema.parse(
      resolvePluginConfig(withPreset, { preset: '400ep' }),
    );
    expect(fourHundred.train.epochs).toBe(400);
    expect(fourHundred.views.cutout.enabled).toBe(false);
    // Nothing else differs (the warm-up, lr, views and boxes are the 100-epoch script's).
    expect({
      ...fourHundred,
      train: { ...fourHundred.train, epochs: hundred.train.epochs },
      views: { ...fourHundred.views, cutout: hundred.views.cutout },
    }).toEqual(hundred);
  });

  it.each([
    [{ roi: { levelThresholds: [96, 48, 192, 224] } }, /levelThresholds must increase/],
    [{ views: { cropScale: [0.9, 0.5] } }, /cropScale must be \[min, max\]/],
    [{ boxes: { k: 0 } }, /boxes\.k/],
    [{ views: { resizedSize: 8 } }, /resizedSize is SoCo\*'s V4 side/],
    [{ fpn: { chanels: 256 } }, /chanels/],
  ])('rejects %j clearly', (input, message) => {
    expect(() => parseConfig(socoConfigSchema, input, 'the "soco" configuration')).toThrow(
      ConfigError,
    );
    expect(() => parseConfig(socoConfigSchema, input, 'the "soco" configuration')).toThrow(message);
  });
});

it('the plugin version is the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect(PLUGIN_VERSION).toBe(pkg.version);
  expect(plugin.version).toBe(pkg.version);
});
