import type { PretrainMethod } from '../contracts/pretrain-method.js';
import { createRootContainer } from '../di/containers.js';
import { resolveToken } from '../di/token.js';
import { PRETRAIN_METHOD } from '../di/tokens.js';
import { EventBus } from '../events/event-bus.js';
import type { MethodPlugin } from '../plugin/plugin.js';
import { PluginRegistry } from '../plugin/plugin-registry.js';
import type { Rng } from '../random/rng.js';
import { CORE_VERSION_STRING } from '../version.js';
import { bindMethod } from './bind-method.js';

/**
 * The method of `plugin` with `config` (already parsed by its schema), built outside a training
 * run: for a training loop of your own, tests and benchmarks. The plugin and what it includes
 * are its only stage providers; `bus` receives the method's log events.
 */
export function createMethod(
  plugin: MethodPlugin,
  config: unknown,
  rng: Rng,
  options: { readonly bus?: EventBus } = {},
): PretrainMethod {
  const bus = options.bus ?? new EventBus();
  const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
  registry.add(plugin, { packageName: plugin.name, discovery: 'api' });
  const { run } = bindMethod(registry, plugin.name, config, rng, createRootContainer({ bus }));
  return resolveToken(run, PRETRAIN_METHOD);
}
