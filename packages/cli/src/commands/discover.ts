import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DependencyContainer } from '@ssdet/core';
import {
  Logger,
  PluginRegistry,
  createRootContainer,
  describeOrigin,
  discoverPlugins,
  type DiscoveryReport,
  type EventBus,
} from '@ssdet/core';

/** The CLI's own directory: a globally installed CLI also finds plugins installed beside it. */
const cliLocation = path.dirname(fileURLToPath(import.meta.url));

/**
 * Discovers explicit and installed plugins from `cwd` (and beside the CLI) into the registry of a
 * new root container, whose stages they fill; warns about refused ones.
 */
export async function discoverForCli(
  cwd: string,
  bus: EventBus,
  explicit: readonly string[],
  automatic: boolean,
): Promise<{ root: DependencyContainer; registry: PluginRegistry; report: DiscoveryReport }> {
  const root = createRootContainer({ bus });
  const registry = root.resolve(PluginRegistry);
  const report = await discoverPlugins(registry, {
    cwd,
    explicit,
    automatic,
    alsoSearchFrom: [cliLocation],
  });
  const logger = new Logger(bus, 'plugins');
  for (const refusal of report.refused)
    logger.warn(`plugin ${describeOrigin(refusal.origin)} refused: ${refusal.reason}`);
  return { root, registry, report };
}
