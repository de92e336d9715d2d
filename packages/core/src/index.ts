import 'reflect-metadata';
import './tensor/register-gradients.js';

export { CORE_VERSION_STRING } from './version.js';

export type { Backbone, FeatureLevel, FeatureMaps } from './contracts/backbone.js';
export type { Batch, BatchedView } from './contracts/batch.js';
export type { BatchSource, HostBatch } from './contracts/host-batch.js';
export type { Dataset, ImageRecord, Sample } from './contracts/dataset.js';
export type { Annotations, BoxArray, DecodedImage, LabelMask } from './contracts/image.js';
export type { Loss, LossOutput } from './contracts/loss.js';
export { combineLosses, evaluateLoss, type EvaluatedLoss } from './losses/combine-losses.js';
export type { Neck } from './contracts/neck.js';
export type { ForwardOptions, HasVariables, NamedVariables } from './contracts/parameters.js';
export type { PretrainMethod, StepContext } from './contracts/pretrain-method.js';
export type { RegionContext, RegionSource, Regions } from './contracts/region-source.js';
export type { View, ViewGeometry } from './contracts/view.js';
export type { ViewGenerator } from './contracts/view-generator.js';
export { SINGLE_PROCESS, type ProcessGroup } from './distributed/process-group.js';
export { broadcastVariables } from './distributed/broadcast-variables.js';
export { meanAllreduceGradients } from './distributed/allreduce-gradients.js';
export { checkResumeWorldSize } from './distributed/check-resume-world-size.js';

export type { DependencyContainer } from 'tsyringe';
export { createRootContainer, createRunContainer } from './di/containers.js';
export { createToken, provideFactory, provideValue, resolveToken, type Token } from './di/token.js';
export {
  CORE_VERSION,
  EVENT_BUS,
  LOGGER,
  PRETRAIN_METHOD,
  PROCESS_GROUP,
  REGION_SOURCE,
  RUN_RNG,
  STAGES,
  VIEW_GENERATOR,
  pluginConfigToken,
} from './di/tokens.js';

export type { BackboneFactory, BackboneNorm, BackboneRequest } from './stages/backbone-factory.js';
export type { NeckFactory, NeckRequest } from './stages/neck-factory.js';
export type { RegionParameters, RegionSourceFactory } from './stages/region-source-factory.js';
export type { ViewRecipeFactory, ViewRecipeRequest } from './stages/view-recipe-factory.js';
export {
  STAGE_KINDS,
  type StageContributions,
  type StageKind,
} from './stages/stage-contributions.js';
export { StageRegistry, type StageEntry } from './stages/stage-registry.js';
export { StageRegistries } from './stages/stage-registries.js';
export {
  backboneConfigSchema,
  regionsConfigSchema,
  type BackboneConfig,
  type RegionsConfig,
} from './stages/stage-config.js';
export { buildBackbone, type BackboneNeeds } from './stages/build-backbone.js';
export { buildNeck } from './stages/build-neck.js';
export { buildRegionSource } from './stages/build-region-source.js';
export { buildViews } from './stages/build-views.js';

export { ConfigError, type ConfigIssue } from './errors/config-error.js';
export { SsdetError, isSsdetError } from './errors/ssdet-error.js';
export { deepMerge, type ConfigObject } from './config/deep-merge.js';
export { parseConfig } from './config/parse-config.js';

export { EventBus, type EventListener } from './events/event-bus.js';
export type { LogLevel, SsdetEvent, SsdetEventMap, SsdetEventType } from './events/event-map.js';
export { Logger } from './events/logger.js';

export {
  definePlugin,
  isMethodPlugin,
  type MethodPlugin,
  type PretrainedBackboneRequirement,
  type SsdetPlugin,
} from './plugin/plugin.js';
export { PluginError, type PluginRefusalCode } from './plugin/plugin-errors.js';
export { describeOrigin, type PluginOrigin } from './plugin/plugin-origin.js';
export {
  PluginRegistry,
  isRefusal,
  type RefusedPlugin,
  type RegisteredMethod,
  type RegisteredPlugin,
} from './plugin/plugin-registry.js';
export {
  discoverPlugins,
  type DiscoveryOptions,
  type DiscoveryReport,
} from './plugin/discover-plugins.js';
export { resolvePluginConfig } from './plugin/resolve-plugin-config.js';
export { packageVersion } from './plugin/package-version.js';

export { Rng, type RngState } from './random/rng.js';
export { philox4x32 } from './random/philox.js';

export {
  BACKEND_PREFERENCE,
  CNN_TRAINING_KERNELS,
  isBackendRequest,
  type BackendName,
  type BackendRequest,
} from './tensor/backend-name.js';
export { type BackendCandidate, type PreparedBackend } from './tensor/backend-candidates.js';
export {
  selectBackend,
  type BackendSelection,
  type SelectBackendOptions,
} from './tensor/select-backend.js';
export { ADAMW_UPDATE, EMA_UPDATE, LARS_UPDATE, SGD_UPDATE } from './train/optim/fused-update.js';
export {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTraining,
  type BatchNormTrainingResult,
} from './tensor/batch-norm-training.js';
export { LAYER_NORM, LAYER_NORM_GRAD, layerNorm } from './tensor/layer-norm.js';
export { recordingGradients, withoutGradients } from './tensor/without-gradients.js';
export { RELU_GRAD } from './tensor/relu-gradient.js';
export {
  DROPOUT,
  dropoutBySeed,
  dropoutMultipliers,
  type DropoutAttrs,
} from './tensor/dropout-kernel.js';
export {
  formatKernelProfile,
  profileKernels,
  type KernelProfile,
  type KernelTime,
} from './tensor/profile-kernels.js';

export { collate, disposeBatch } from './train/collate.js';
export { builtCodeExecArgv } from './threads/built-code-exec-argv.js';
export { readConfigFile } from './config/read-config-file.js';
export { writeFileAtomically } from './io/write-file-atomically.js';
export { fileSystemError } from './io/file-system-error.js';
export { parseSetOverrides } from './config/parse-set-overrides.js';
export { defaultCacheDir } from './config/default-cache-dir.js';
export { distinctColor, type Rgb } from './report/distinct-color.js';
export { fanOutMetricsSink } from './metrics/fan-out-metrics-sink.js';
export type { MetricsRecord, MetricsSink } from './metrics/metrics-record.js';
export { JsonlMetricsSink, type JsonlMetricsSinkOptions } from './metrics/jsonl-metrics-sink.js';
export { readMetricsJsonl } from './metrics/read-metrics-jsonl.js';
export {
  TensorBoardSink,
  type TensorBoardSinkOptions,
} from './metrics/tensorboard/tensorboard-sink.js';
export { writeRunReport, type WriteRunReportOptions } from './report/write-run-report.js';
export type { Optimizer } from './train/optim/optimizer.js';
export type { ParameterGroup } from './contracts/parameter-group.js';
export { SgdOptimizer } from './train/optim/sgd-optimizer.js';
export { LarsOptimizer } from './train/optim/lars-optimizer.js';
export { AdamWOptimizer } from './train/optim/adamw-optimizer.js';
export { createOptimizer } from './train/optim/create-optimizer.js';
export { clipByGlobalNorm, type ClippedGradients } from './train/optim/clip-by-global-norm.js';
export {
  optimizerConfigSchema,
  sgdOptionsSchema,
  larsOptionsSchema,
  adamwOptionsSchema,
  type OptimizerConfig,
  type OptimizerConfigInput,
  type SgdOptions,
  type SgdOptionsInput,
  type LarsOptions,
  type LarsOptionsInput,
  type AdamWOptions,
  type AdamWOptionsInput,
} from './train/optim/optimizer-config.js';
export {
  scheduleConfigSchema,
  type ScheduleConfig,
  type ScheduleConfigInput,
} from './train/schedules/schedule-config.js';
export { learningRateAt } from './train/schedules/learning-rate-at.js';
export {
  CheckpointManager,
  restoreVariables,
  type CheckpointMeta,
} from './train/checkpoint/checkpoint-manager.js';
export { type StoredTensor } from './train/checkpoint/tensor-archive.js';
export { NonFiniteLossError } from './train/non-finite-loss-error.js';
export {
  Trainer,
  type TrainerOptions,
  type TrainerPosition,
  type TrainerResult,
} from './train/trainer.js';
export { bindMethod } from './run/bind-method.js';
export { EXPORTED_BACKBONE_FILE } from './run/run-files.js';
export {
  claimRunDirectory,
  RUN_LOCK_FILE,
  type ClaimRunDirectoryOptions,
  type RunDirectoryClaim,
} from './run/run-directory.js';
export { resumeConfig, type ResumeRequest } from './run/resume-config.js';
export { createMethod } from './run/create-method.js';
export {
  trainingConfigSchema,
  trainingConfigWithDefaults,
  type TrainingConfig,
  type TrainingConfigInput,
} from './run/training-config.js';
export { crc32 } from './train/checkpoint/crc32.js';
