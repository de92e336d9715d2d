import {
  CNN_TRAINING_KERNELS,
  CORE_VERSION_STRING,
  STAGE_KINDS,
  describeOrigin,
  isMethodPlugin,
  selectBackend,
  type PluginRegistry,
  type BackendCandidate,
  type BackendRequest,
  type BackendSelection,
  type DiscoveryReport,
  type EventBus,
} from '@ssdet/core';
import type { CliIo } from '../io.js';
import { discoverForCli } from './discover.js';
import { formatTable } from '../render/table.js';

export interface PluginsCommandOptions {
  readonly plugin: readonly string[];
  readonly auto: boolean;
  readonly backend: BackendRequest;
  readonly json: boolean;
  /** Substituted in tests. */
  readonly backendCandidates?: readonly BackendCandidate[];
}

/**
 * `ssdet plugins`: every plugin discovered (explicit and installed), whether it fits the running
 * core, the method and the stages each contributes, and which tensor backend a training run
 * would get, with why the better ones were skipped.
 */
export async function pluginsCommand(
  options: PluginsCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const { report, registry } = await discoverForCli(io.cwd, bus, options.plugin, options.auto);
  const backend = await selectBackend({
    request: options.backend,
    requiredKernels: CNN_TRAINING_KERNELS,
    dryRun: true,
    ...(options.backendCandidates === undefined ? {} : { candidates: options.backendCandidates }),
  });
  io.stdout(
    options.json
      ? `${JSON.stringify(toJson(report, registry, backend), null, 2)}\n`
      : toText(report, registry, backend),
  );
  return 0;
}

/** Every registered stage: kind, name, contributing package, description. */
function stageRows(registry: PluginRegistry) {
  return STAGE_KINDS.flatMap((kind) =>
    registry.stages[kind].list().map(({ factory, contributor }) => ({
      kind,
      name: factory.name,
      package: contributor,
      description: factory.description,
    })),
  );
}

/** `method densecl; backbones resnet18, resnet34` for the plugins table. */
function provides(
  registry: PluginRegistry,
  plugin: { name: string; presets?: Readonly<Record<string, unknown>> },
  packageName: string,
  method: boolean,
): string {
  const contributed = registry.stages.contributedBy(packageName);
  const presets = Object.keys(plugin.presets ?? {});
  const parts = method
    ? [`method ${plugin.name}${presets.length > 0 ? ` (presets ${presets.join(', ')})` : ''}`]
    : [];
  for (const kind of STAGE_KINDS)
    if (contributed[kind].length > 0)
      parts.push(`${registry.stages[kind].kind}s ${contributed[kind].join(', ')}`);
  return parts.join('; ');
}

function toJson(
  report: DiscoveryReport,
  registry: PluginRegistry,
  backend: BackendSelection,
): unknown {
  return {
    core: CORE_VERSION_STRING,
    plugins: report.registered.map(({ plugin, origin }) => ({
      name: plugin.name,
      version: plugin.version,
      coreRange: plugin.coreRange,
      package: origin.packageName,
      location: origin.location,
      discovery: origin.discovery,
      compatible: true,
      method: isMethodPlugin(plugin),
      presets: Object.keys(plugin.presets ?? {}),
      contributes: registry.stages.contributedBy(origin.packageName),
    })),
    stages: stageRows(registry),
    refused: report.refused.map((refusal) => ({
      package: refusal.origin.packageName,
      location: refusal.origin.location,
      code: refusal.code,
      compatible: false,
      reason: refusal.reason,
    })),
    backend: { name: backend.backend, reason: backend.reason, skipped: backend.skipped },
  };
}

function toText(
  report: DiscoveryReport,
  registry: PluginRegistry,
  backend: BackendSelection,
): string {
  const lines: string[] = [`@ssdet/core ${CORE_VERSION_STRING}`, ''];
  if (!report.registered.some(({ plugin }) => isMethodPlugin(plugin))) {
    lines.push(
      'No method plugins found. Install one (npm install @ssdet/plugin-densecl) or pass --plugin <package>.',
    );
  }
  if (report.registered.length > 0) {
    lines.push(
      formatTable(
        ['PLUGIN', 'VERSION', 'PACKAGE', 'CORE RANGE', 'FOUND', 'PROVIDES'],
        report.registered.map(({ plugin, origin }) => [
          plugin.name,
          plugin.version,
          origin.packageName,
          plugin.coreRange,
          origin.discovery,
          provides(registry, plugin, origin.packageName, isMethodPlugin(plugin)),
        ]),
      ),
    );
  }
  const stages = stageRows(registry);
  lines.push(
    '',
    'Stages (--backbone <name>; --set regions.algorithm=<name>):',
    formatTable(
      ['KIND', 'NAME', 'PACKAGE', 'DESCRIPTION'],
      stages.map((row) => [registry.stages[row.kind].kind, row.name, row.package, row.description]),
    ),
  );
  if (report.refused.length > 0) {
    lines.push('', 'Refused:');
    for (const refusal of report.refused)
      lines.push(`  ${describeOrigin(refusal.origin)}: ${refusal.reason}`);
  }
  lines.push('', `Tensor backend for training: ${backend.backend} — ${backend.reason}`);
  for (const skipped of backend.skipped)
    lines.push(`  skipped ${skipped.backend}: ${skipped.reason}`);
  return `${lines.join('\n')}\n`;
}
