import semver from 'semver';
import { PluginError } from './plugin-errors.js';
import type { SsdetPlugin } from './plugin.js';
import { describeOrigin, type PluginOrigin } from './plugin-origin.js';
import { STAGE_KINDS } from '../stages/stage-contributions.js';

const PLUGIN_NAME = /^[a-z][a-z0-9-]*$/;
const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

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
  const hasSchema = value['configSchema'] !== undefined;
  const hasRegister = value['register'] !== undefined;
  const schema = value['configSchema'] as { safeParse?: unknown } | undefined;
  if (
    hasSchema &&
    (schema === null || typeof schema !== 'object' || typeof schema.safeParse !== 'function')
  ) {
    problems.push('`configSchema` must be a zod schema');
  }
  if (hasRegister && typeof value['register'] !== 'function') {
    problems.push('`register(container)` must be a function');
  }
  if (hasSchema !== hasRegister) {
    problems.push('a method needs both `configSchema` and `register(container)`');
  }
  const contributes = value['contributes'];
  if (contributes !== undefined) problems.push(...contributionProblems(contributes));
  if (!hasSchema && !hasRegister && contributes === undefined) {
    problems.push(
      'it provides neither a method (`configSchema` + `register`) nor stages (`contributes`)',
    );
  }
  if (value['includes'] !== undefined && !Array.isArray(value['includes'])) {
    problems.push('`includes` must be an array of plugins when present');
  }
  if (
    value['presets'] !== undefined &&
    (value['presets'] === null || typeof value['presets'] !== 'object')
  ) {
    problems.push('`presets` must be an object of partial configs when present');
  }
  const pretrained = value['pretrainedBackbone'] as Record<string, unknown> | null | undefined;
  if (
    pretrained !== undefined &&
    (pretrained === null ||
      typeof pretrained !== 'object' ||
      typeof pretrained['configKey'] !== 'string' ||
      typeof pretrained['paperBackbone'] !== 'string' ||
      !hasSchema)
  ) {
    problems.push(
      '`pretrainedBackbone` must be `{ configKey, paperBackbone }` (strings) on a method plugin',
    );
  }
  if (problems.length > 0) throw invalid(where, problems.join('; '));
  return candidate as SsdetPlugin;
}

function contributionProblems(contributes: unknown): string[] {
  if (contributes === null || typeof contributes !== 'object')
    return ['`contributes` must be an object of factory lists'];
  const problems: string[] = [];
  for (const [kind, factories] of Object.entries(contributes)) {
    if (!(STAGE_KINDS as readonly string[]).includes(kind)) {
      problems.push(
        `\`contributes.${kind}\` is not a stage kind (expected ${STAGE_KINDS.join(', ')})`,
      );
      continue;
    }
    if (!Array.isArray(factories)) {
      problems.push(`\`contributes.${kind}\` must be an array`);
      continue;
    }
    factories.forEach((factory: unknown, index) => {
      const entry = factory as { name?: unknown; description?: unknown; create?: unknown } | null;
      if (
        entry === null ||
        typeof entry !== 'object' ||
        typeof entry.name !== 'string' ||
        !STAGE_NAME.test(entry.name) ||
        typeof entry.description !== 'string' ||
        typeof entry.create !== 'function'
      )
        problems.push(
          `\`contributes.${kind}[${index}]\` must have a lowercase \`name\`, a \`description\` and a \`create\` function`,
        );
    });
  }
  return problems;
}

function invalid(where: string, detail: string): PluginError {
  return new PluginError(
    'PLUGIN_INVALID',
    `Package ${where} is not a valid ssdet plugin: ${detail}.`,
  );
}
