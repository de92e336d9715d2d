import semver from 'semver';
import { PluginError } from './plugin-errors.js';
import type { SsdetPlugin } from './plugin.js';
import { describeOrigin, type PluginOrigin } from './plugin-origin.js';

const PLUGIN_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Checks that a value a package exported really is an {@link SsdetPlugin}, field by field, so a
 * third-party author learns exactly what is missing instead of meeting a TypeError mid-run.
 */
export function validatePlugin(candidate: unknown, origin: PluginOrigin): SsdetPlugin {
  const where = describeOrigin(origin);
  if (candidate === null || typeof candidate !== 'object') {
    throw invalid(
      where,
      'it does not export a plugin object (expected `export const plugin = definePlugin({...})` or a default export)',
    );
  }
  const value = candidate as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof value['name'] !== 'string' || !PLUGIN_NAME.test(value['name'])) {
    problems.push('`name` must be a lowercase identifier such as "densecl"');
  }
  if (typeof value['version'] !== 'string' || semver.valid(value['version']) === null) {
    problems.push('`version` must be a semver version such as "0.1.0"');
  }
  if (typeof value['coreRange'] !== 'string' || semver.validRange(value['coreRange']) === null) {
    problems.push('`coreRange` must be a semver range of @ssdet/core such as "^0.1.0"');
  }
  const schema = value['configSchema'] as { safeParse?: unknown } | undefined;
  if (schema === null || typeof schema !== 'object' || typeof schema.safeParse !== 'function') {
    problems.push('`configSchema` must be a zod schema');
  }
  if (typeof value['register'] !== 'function') {
    problems.push('`register(container)` must be a function');
  }
  if (
    value['presets'] !== undefined &&
    (value['presets'] === null || typeof value['presets'] !== 'object')
  ) {
    problems.push('`presets` must be an object of partial configs when present');
  }
  if (problems.length > 0) throw invalid(where, problems.join('; '));
  return candidate as SsdetPlugin;
}

function invalid(where: string, detail: string): PluginError {
  return new PluginError(
    'PLUGIN_INVALID',
    `Package ${where} is not a valid ssdet plugin: ${detail}.`,
  );
}
