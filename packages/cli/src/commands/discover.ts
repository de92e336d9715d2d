import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CORE_VERSION_STRING,
  Logger,
  PluginRegistry,
  describeOrigin,
  discoverPlugins,
  type DiscoveryReport,
  type EventBus,
} from '@ssdet/core';

/** The CLI's own directory: a globally installed CLI also finds plugins installed beside it. */
const cliLocation = path.dirname(fileURLToPath(import.meta.url));

/** Discovers explicit and installed plugins from `cwd` (and beside the CLI); warns about refused ones. */
export async function discoverForCli(
  cwd: string,
  bus: EventBus,
  explicit: readonly string[],
  automatic: boolean,
): Promise<{ registry: PluginRegistry; report: DiscoveryReport }> {
  const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
  const report = await discoverPlugins(registry, {
    cwd,
    explicit,
    automatic,
    alsoSearchFrom: [cliLocation],
  });
  const logger = new Logger(bus, 'plugins');
  for (const refusal of report.refused)
    logger.warn(`plugin ${describeOrigin(refusal.origin)} refused: ${refusal.reason}`);
  return { registry, report };
}
