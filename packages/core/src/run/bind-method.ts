import type { DependencyContainer } from 'tsyringe';
import { createRootContainer, createRunContainer } from '../di/containers.js';
import { provideValue } from '../di/token.js';
import { STAGES, pluginConfigToken } from '../di/tokens.js';
import type { PluginRegistry, RegisteredMethod } from '../plugin/plugin-registry.js';
import type { Rng } from '../random/rng.js';
import type { ProcessGroup } from '../distributed/process-group.js';

/**
 * A run container in which method `name`'s plugin has bound its method and stages: the
 * configuration under the plugin's token, the registry's stages under `STAGES`, `RUN_RNG`, `PROCESS_GROUP` (default {@link SINGLE_PROCESS}). What
 * `runPretraining` does before training, for library users, tests and data worker threads:
 * `resolveToken(run, PRETRAIN_METHOD)` then builds the method.
 */
export function bindMethod(
  registry: PluginRegistry,
  name: string,
  config: unknown,
  rng: Rng,
  root: DependencyContainer = createRootContainer(),
  processGroup?: ProcessGroup,
): { readonly run: DependencyContainer; readonly registered: RegisteredMethod } {
  const registered = registry.get(name);
  const run = createRunContainer(root, rng, processGroup);
  provideValue(run, pluginConfigToken(registered.plugin.name), config);
  provideValue(run, STAGES, registry.stages);
  registered.plugin.register(run);
  return { run, registered };
}
