import type { Backbone } from '../contracts/backbone.js';
import type { Dataset } from '../contracts/dataset.js';
import type { Neck } from '../contracts/neck.js';
import type { PretrainMethod } from '../contracts/pretrain-method.js';
import type { RegionSource } from '../contracts/region-source.js';
import type { ViewGenerator } from '../contracts/view-generator.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../events/logger.js';
import type { Rng } from '../random/rng.js';
import type { BackendSelection } from '../tensor/select-backend.js';
import { createToken, type Token } from './token.js';

/** The run's event bus; the CLI or a library user listens on it. */
export const EVENT_BUS = createToken<EventBus>('event-bus');
/** A logger scoped to the component that resolves it. */
export const LOGGER = createToken<Logger>('logger');
/** The version of the running `@ssdet/core`. */
export const CORE_VERSION = createToken<string>('core-version');
/** The run's root random stream; fork it, never share its draws. */
export const RUN_RNG = createToken<Rng>('run-rng');
/** The tensor backend that was activated for the run, and why. */
export const TENSOR_BACKEND = createToken<BackendSelection>('tensor-backend');
export const DATASET = createToken<Dataset>('dataset');
/** The method being pre-trained; bound by its plugin's `register`. */
export const PRETRAIN_METHOD = createToken<PretrainMethod>('pretrain-method');
/** Optional stage overrides a plugin or user may bind. */
export const BACKBONE = createToken<Backbone>('backbone');
export const NECK = createToken<Neck>('neck');
export const REGION_SOURCE = createToken<RegionSource>('region-source');
export const VIEW_GENERATOR = createToken<ViewGenerator>('view-generator');

/**
 * Where a run binds a plugin's parsed configuration. A plugin declares
 * `const CONFIG = pluginConfigToken<MyConfig>('my-method')` and resolves it in its factories.
 */
export function pluginConfigToken<Config>(pluginName: string): Token<Config> {
  return createToken<Config>(`plugin-config/${pluginName}`);
}
