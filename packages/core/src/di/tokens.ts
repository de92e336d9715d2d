import type { PretrainMethod } from '../contracts/pretrain-method.js';
import type { RegionSource } from '../contracts/region-source.js';
import type { ViewGenerator } from '../contracts/view-generator.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../events/logger.js';
import type { ProcessGroup } from '../distributed/process-group.js';
import type { Rng } from '../random/rng.js';
import type { StageRegistries } from '../stages/stage-registries.js';
import { createToken, type Token } from './token.js';

/** The run's event bus; the CLI or a library user listens on it. */
export const EVENT_BUS = createToken<EventBus>('event-bus');
/** A logger scoped to the component that resolves it. */
export const LOGGER = createToken<Logger>('logger');
/** The version of the running `@ssdet/core`. */
export const CORE_VERSION = createToken<string>('core-version');
/** The run's root random stream; fork it, never share its draws. */
export const RUN_RNG = createToken<Rng>('run-rng');
/**
 * The named stages (backbones, necks, region sources, view recipes) every plugin contributed;
 * one per root container, filled by the {@link PluginRegistry}. Methods build their stages from it.
 */
export const STAGES = createToken<StageRegistries>('stages');

/**
 * This process's data-parallel group: {@link SINGLE_PROCESS} unless the run was started under
 * `mpirun`/`srun`. Methods whose batch statistics span the global batch (shuffle-BN across
 * ranks, the key all-gather) resolve it; every rank must call its collectives in the same order.
 */
export const PROCESS_GROUP = createToken<ProcessGroup>('process-group');

/** The method being pre-trained; bound by its plugin's `register`. */
export const PRETRAIN_METHOD = createToken<PretrainMethod>('pretrain-method');

/**
 * The method's views, bound by its plugin's `register` apart from the method, so that a data
 * worker thread can build them (and nothing else) from the plugin name and config.
 */
export const VIEW_GENERATOR = createToken<ViewGenerator>('view-generator');

/** The method's region source when it uses regions; bound like {@link VIEW_GENERATOR}. */
export const REGION_SOURCE = createToken<RegionSource>('region-source');

/**
 * Where a run binds a plugin's parsed configuration. A plugin declares
 * `const CONFIG = pluginConfigToken<MyConfig>('my-method')` and resolves it in its factories.
 */
export function pluginConfigToken<Config>(pluginName: string): Token<Config> {
  return createToken<Config>(`plugin-config/${pluginName}`);
}
