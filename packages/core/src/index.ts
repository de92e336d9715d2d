import 'reflect-metadata';
import './tensor/register-gradients.js';

export { CORE_VERSION_STRING } from './version.js';

export type { Backbone, FeatureLevel, FeatureMaps } from './contracts/backbone.js';
export type { Batch, BatchedView } from './contracts/batch.js';
export type { Dataset, ImageRecord, Sample } from './contracts/dataset.js';
export type { Annotations, BoxArray, DecodedImage, LabelMask } from './contracts/image.js';
export type { Loss, LossOutput } from './contracts/loss.js';
export type { Neck } from './contracts/neck.js';
export type { ForwardOptions, HasVariables, NamedVariables } from './contracts/parameters.js';
export type { PretrainMethod, StepContext } from './contracts/pretrain-method.js';
export type { RegionSource, Regions } from './contracts/region-source.js';
export type { View, ViewGeometry } from './contracts/view.js';
export type { ViewGenerator } from './contracts/view-generator.js';

export { createRootContainer, createRunContainer } from './di/containers.js';
export { createToken, provideFactory, provideValue, resolveToken, type Token } from './di/token.js';
export {
  BACKBONE,
  CORE_VERSION,
  DATASET,
  EVENT_BUS,
  LOGGER,
  NECK,
  PRETRAIN_METHOD,
  REGION_SOURCE,
  RUN_RNG,
  TENSOR_BACKEND,
  VIEW_GENERATOR,
  pluginConfigToken,
} from './di/tokens.js';

export { ConfigError, type ConfigIssue } from './errors/config-error.js';
export { SsdetError, isSsdetError } from './errors/ssdet-error.js';
export { deepMerge, type ConfigObject } from './config/deep-merge.js';
export { parseConfig } from './config/parse-config.js';

export { EventBus, type EventListener } from './events/event-bus.js';
export type { LogLevel, SsdetEvent, SsdetEventMap, SsdetEventType } from './events/event-map.js';
export { Logger } from './events/logger.js';

export { definePlugin, type SsdetPlugin } from './plugin/plugin.js';
export { PluginError, type PluginRefusalCode } from './plugin/plugin-errors.js';
export { describeOrigin, type PluginOrigin } from './plugin/plugin-origin.js';
export {
  PluginRegistry,
  isRefusal,
  type RefusedPlugin,
  type RegisteredPlugin,
} from './plugin/plugin-registry.js';
export {
  discoverPlugins,
  type DiscoveryOptions,
  type DiscoveryReport,
} from './plugin/discover-plugins.js';
export { resolvePluginConfig } from './plugin/resolve-plugin-config.js';

export { Rng, type RngState } from './random/rng.js';

export {
  BACKEND_PREFERENCE,
  CNN_TRAINING_KERNELS,
  isBackendRequest,
  type BackendName,
  type BackendRequest,
} from './tensor/backend-name.js';
export {
  defaultBackendCandidates,
  type BackendCandidate,
  nodeModuleLoader,
  type ModuleLoader,
  type PreparedBackend,
} from './tensor/backend-candidates.js';
export {
  selectBackend,
  type BackendSelection,
  type SelectBackendOptions,
} from './tensor/select-backend.js';
