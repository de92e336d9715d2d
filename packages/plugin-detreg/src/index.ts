export { plugin, DETREG_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  detregConfigSchema,
  detregDemoPreset,
  detregDetrPreset,
  resolveArchitecture,
  type DetregArchitecture,
  type DetregConfig,
  type DetregConfigInput,
  type DetregDetector,
} from './config.js';
export { DetregMethod, PRIOR_LABEL, type DetregStages } from './method.js';
export {
  DeformableDetregModel,
  DetrDetregModel,
  type DetregInputs,
  type DetregModel,
  type DetregModelOptions,
} from './detreg-model.js';
export { FeatureEmbedHead } from '@ssdet/detr';
export { Teacher, type TeacherEmbedding } from './teacher.js';
export {
  objectEmbeddingLoss,
  objectEmbeddingTerm,
  type PriorTarget,
} from './losses/object-embedding-loss.js';
export { createDetregCriterion, type DetregCriterionOptions } from './losses/detreg-criterion.js';
export { sigmoidFocalLoss } from '@ssdet/detr';
export { loadBackboneWeights } from './backbone-weights.js';
export { imagePriors, paddedBatchMask, type ImagePriors } from './padded-batch.js';
export { priorCrop, type CropAugmentation } from './prior-crop.js';
export {
  CROPS_VIEW,
  IMAGE_VIEW,
  DetregViewGenerator,
  visiblePriors,
  type DetregViewOptions,
} from './views.js';
export { PLUGIN_VERSION } from './version.js';
