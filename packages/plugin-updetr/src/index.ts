export { plugin, UPDETR_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  updetrConfigSchema,
  updetrDemoPreset,
  type UpdetrConfig,
  type UpdetrConfigInput,
} from './config.js';
export { UpdetrMethod, PATCH_LABEL, normalisedTargetBoxes, paddedBatchMask } from './method.js';
export {
  UpdetrModel,
  type UpdetrForward,
  type UpdetrInputs,
  type UpdetrModelOptions,
} from './updetr-model.js';
export {
  FeatureAlignHead,
  PatchQueryHead,
  type PatchQueryDraw,
  type PatchQueryOptions,
} from './heads.js';
export { officialQueryGroupMask, queryGroupMask, queryPatchIndex } from './query-groups.js';
export {
  featureReconstructionLoss,
  featureReconstructionTerm,
  type PatchTarget,
} from './losses/feature-reconstruction-loss.js';
export { createUpdetrCriterion, type UpdetrCriterionOptions } from './losses/updetr-criterion.js';
export { loadBackboneWeights } from './backbone-weights.js';
export { IMAGE_VIEW, UpdetrViewGenerator, patchViewName, type UpdetrViewOptions } from './views.js';
export { PLUGIN_VERSION } from './version.js';
