export { plugin, DENSECL_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  denseclConfigSchema,
  denseclDemoPreset,
  type DenseclConfig,
  type DenseclConfigInput,
} from './config.js';
export { DenseCLMethod } from './method.js';
export { DenseCLNeck, type DenseCLNeckOptions, type DenseCLNeckOutput } from './heads.js';
export { DenseCLEncoder, type DenseCLEncoderOptions, type DenseCLEncoding } from './encoder.js';
export { denseCorrespondence } from './correspondence.js';
export { globalContrastiveLoss } from './losses/global-contrastive-loss.js';
export { denseContrastiveLoss } from './losses/dense-contrastive-loss.js';
export {
  denseclObjective,
  type DenseCLObjective,
  type DenseCLObjectiveInputs,
} from './densecl-objective.js';
export { lossLambdaAt } from './loss-lambda.js';
export { DENSECL_VIEW_NAMES, denseclViews } from './views.js';
