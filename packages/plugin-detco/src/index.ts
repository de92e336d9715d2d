export { plugin, DETCO_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  detcoConfigSchema,
  detcoDemoPreset,
  type DetcoConfig,
  type DetcoConfigInput,
} from './config.js';
export { DetcoMethod, type DetcoStages } from './method.js';
export {
  DETCO_LEVELS,
  DETCO_STAGES,
  DetcoHeads,
  type DetcoHeadsOptions,
  type DetcoStage,
  type StageEmbeddings,
  type StageFeatures,
} from './heads.js';
export { DetcoEncoder, type DetcoEncoderOptions } from './encoder.js';
export { globalToGlobalLoss } from './losses/global-to-global-loss.js';
export { localToLocalLoss } from './losses/local-to-local-loss.js';
export { localToGlobalLoss } from './losses/local-to-global-loss.js';
export {
  detcoObjective,
  type DetcoEmbeddings,
  type DetcoObjective,
  type DetcoObjectiveInputs,
  type DetcoQueues,
  type StageLosses,
} from './detco-objective.js';
export { DETCO_VIEW_NAMES, DetcoViewGenerator, cutJigsaw, type DetcoViewOptions } from './views.js';
export { PLUGIN_VERSION } from './version.js';
