import type { z } from 'zod';
import { deepMerge } from '../config/deep-merge.js';
import { parseConfig } from '../config/parse-config.js';
import { SsdetError } from '../errors/ssdet-error.js';
import type { MethodPlugin } from './plugin.js';

/**
 * A plugin's effective configuration: schema defaults (the paper) ← preset (e.g. `demo`) ←
 * user overrides, validated by the plugin's schema. Errors name the plugin and the key path.
 */
export function resolvePluginConfig<Schema extends z.ZodType>(
  plugin: MethodPlugin<Schema>,
  options: { preset?: string; overrides?: unknown } = {},
): z.output<Schema> {
  let presetLayer: unknown = {};
  if (options.preset !== undefined) {
    presetLayer = plugin.presets?.[options.preset];
    if (presetLayer === undefined) {
      const known = Object.keys(plugin.presets ?? {});
      throw new SsdetError(
        'PRESET_UNKNOWN',
        `Plugin "${plugin.name}" has no preset "${options.preset}"; it has ${known.length === 0 ? 'none' : known.join(', ')}.`,
      );
    }
  }
  // The schema's defaults are the paper's recipe; materialising its sections first means a
  // partial override (`train: { batchSize: 8 }`) keeps the paper's values for every key it
  // leaves out. Top-level values that are not sections are left to the final parse, which gives
  // them the same defaults — and derives a default that follows other keys (`shuffleBnGroups:
  // 'auto'` from train.batchSize) from the user's values rather than freezing the paper's.
  const defaults = plugin.configSchema.safeParse({});
  const base = defaults.success ? sectionsOf(defaults.data) : {};
  return parseConfig(
    plugin.configSchema,
    deepMerge(base, presetLayer, options.overrides),
    `the "${plugin.name}" configuration`,
  );
}

function sectionsOf(config: unknown): Record<string, unknown> {
  if (config === null || typeof config !== 'object') return {};
  return Object.fromEntries(
    Object.entries(config).filter(
      ([, value]) => value !== null && typeof value === 'object' && !Array.isArray(value),
    ),
  );
}
