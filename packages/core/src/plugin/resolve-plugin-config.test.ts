import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { trainingConfigWithDefaults } from '../run/training-config.js';
import { definePlugin } from './plugin.js';
import { resolvePluginConfig } from './resolve-plugin-config.js';

/** A recipe with a section of paper values and a top-level value derived from that section. */
const schema = z
  .object({
    imageSize: z.number().default(224),
    groups: z.union([z.literal('auto'), z.number()]).default('auto'),
    train: z
      .object({ batchSize: z.number(), epochs: z.number() })
      .default({ batchSize: 256, epochs: 200 }),
  })
  .strict()
  .transform((config) => ({
    ...config,
    groups: config.groups === 'auto' ? Math.min(8, config.train.batchSize / 2) : config.groups,
  }));

const plugin = definePlugin({
  name: 'derived',
  version: '1.0.0',
  coreRange: '*',
  configSchema: schema,
  presets: { small: { imageSize: 64, train: { batchSize: 4 } } },
  register: () => undefined,
});

describe('resolvePluginConfig', () => {
  it("keeps the paper's values of a section a partial override leaves out", () => {
    expect(resolvePluginConfig(plugin, { overrides: { train: { batchSize: 8 } } })).toEqual({
      imageSize: 224,
      groups: 4,
      train: { batchSize: 8, epochs: 200 },
    });
  });

  it('derives a top-level default from the merged values, not from the paper defaults', () => {
    expect(resolvePluginConfig(plugin).groups).toBe(8);
    expect(resolvePluginConfig(plugin, { preset: 'small' }).groups).toBe(2);
    expect(resolvePluginConfig(plugin, { preset: 'small', overrides: { groups: 1 } }).groups).toBe(
      1,
    );
    expect(resolvePluginConfig(plugin, { preset: 'small' }).imageSize).toBe(64);
  });

  it("switches the paper's SGD to another optimizer with that optimizer's own defaults", () => {
    const sgdPlugin = definePlugin({
      name: 'sgd-recipe',
      version: '1.0.0',
      coreRange: '*',
      configSchema: z
        .object({
          train: trainingConfigWithDefaults({
            optimizer: { type: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 },
          }),
        })
        .strict(),
      register: () => undefined,
    });
    const { optimizer } = resolvePluginConfig(sgdPlugin, {
      overrides: { train: { optimizer: { type: 'lars', lr: 1 } } },
    }).train;
    expect(optimizer.type).toBe('lars');
    expect(optimizer.lr).toBe(1);
    expect(optimizer).not.toHaveProperty('nesterov');
    expect(optimizer).toHaveProperty('trustCoefficient', 0.001);
  });
});
