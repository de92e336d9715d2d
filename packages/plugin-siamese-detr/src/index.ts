export { plugin, SIAMESE_DETR_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  resolveArchitecture,
  siameseDetrConfigSchema,
  siameseDetrDeformablePreset,
  siameseDetrDemoPreset,
  type SiameseDetrArchitecture,
  type SiameseDetrConfig,
  type SiameseDetrConfigInput,
  type SiameseDetrDetector,
} from './config.js';
export {
  SiameseDetrMethod,
  REGION_LABEL,
  disturbBoxes,
  loadBackboneWeights,
  paddedBatchMask,
  regionBoxes,
  type SiameseDetrStages,
} from './method.js';
export {
  DeformableSiameseModel,
  DetrSiameseModel,
  type DecodeInputs,
  type DecodeOutput,
  type SiameseDetrModel,
  type SiameseDetrModelOptions,
} from './siamese-detr-model.js';
export {
  FeatureAlignHead,
  GlobalDiscriminationHead,
  RegionQueryHead,
  type GlobalHeadOptions,
  type QueryLevel,
  type RegionQueryOptions,
} from './heads.js';
export {
  regionDiscriminationLoss,
  regionDiscriminationTerm,
  type RegionTarget,
} from './losses/region-discrimination-loss.js';
export {
  globalDiscriminationLoss,
  type GlobalLatents,
} from './losses/global-discrimination-loss.js';
export {
  createSiameseDetrCriterion,
  type SiameseDetrCriterionOptions,
} from './losses/siamese-detr-criterion.js';
export {
  mapAcrossViews,
  selectRegionPairs,
  type RegionPairOptions,
  type RegionPairs,
  type TwoViewFrame,
} from './region-pairs.js';
export { boxInView, twoViewsInOuterBox, type TwoViewBoxes } from './two-view-crop.js';
export {
  CROPS_A,
  CROPS_B,
  VIEW_A,
  VIEW_B,
  SiameseDetrViewGenerator,
  simclrAugment,
  type SiameseDetrSampleLayout,
  type SiameseDetrViewOptions,
  type SimclrAugmentation,
} from './views.js';
export { PLUGIN_VERSION } from './version.js';
