import {
  CNN_TRAINING_KERNELS,
  CORE_VERSION_STRING,
  describeOrigin,
  selectBackend,
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
 * core, and which tensor backend a training run would get, with why the better ones were skipped.
 */
export async function pluginsCommand(
  options: PluginsCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const { report } = await discoverForCli(io.cwd, bus, options.plugin, options.auto);
  const backend = await selectBackend({
    request: options.backend,
    requiredKernels: CNN_TRAINING_KERNELS,
    dryRun: true,
    ...(options.backendCandidates === undefined ? {} : { candidates: options.backendCandidates }),
  });
  io.stdout(
    options.json
      ? `${JSON.stringify(toJson(report, backend), null, 2)}\n`
      : toText(report, backend),
  );
  return 0;
}

function toJson(report: DiscoveryReport, backend: BackendSelection): unknown {
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
    })),
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

function toText(report: DiscoveryReport, backend: BackendSelection): string {
  const lines: string[] = [`@ssdet/core ${CORE_VERSION_STRING}`, ''];
  if (report.registered.length === 0) {
    lines.push(
      'No method plugins found. Install one (npm install @ssdet/plugin-densecl) or pass --plugin <package>.',
    );
  } else {
    lines.push(
      formatTable(
        ['METHOD', 'VERSION', 'PACKAGE', 'CORE RANGE', 'FOUND'],
        report.registered.map(({ plugin, origin }) => [
          plugin.name,
          plugin.version,
          origin.packageName,
          plugin.coreRange,
          origin.discovery,
        ]),
      ),
    );
  }
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
