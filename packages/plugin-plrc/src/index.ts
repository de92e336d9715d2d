export { plugin, PLRC_CONFIG, plrcViews } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  plrcConfigSchema,
  plrcDemoPreset,
  plrcOfficialPreset,
  type PlrcConfig,
  type PlrcConfigInput,
} from './config.js';
export { PlrcMethod, effectiveLossWeights, type PlrcStages } from './method.js';
export { PlrcEncoder, type PlrcEncoderOptions, type PlrcEncoding } from './encoder.js';
export { DinoHead, type DinoHeadOptions, type DinoHeadOutput } from './heads.js';
export {
  ImageContrastLoss,
  imageContrastLoss,
  type ImageContrastInputs,
  type ImageContrastTargets,
} from './losses/image-contrast-loss.js';
export {
  PointContrastLoss,
  pointContrastLoss,
  type PointContrastInputs,
} from './losses/point-contrast-loss.js';
export {
  AffinityDistillationLoss,
  affinityDistillationLoss,
  teacherTemperatureAt,
  updatedCenter,
  type AffinityDistillationInputs,
  type DistillationRows,
} from './losses/affinity-distillation-loss.js';
export {
  sharedRegionPoints,
  pointGrid,
  type PointAxes,
  type SharedRegionPoints,
} from './point-features.js';
export { distillationRows, type DistillationMaps } from './distillation-inputs.js';
export { enqueueKeys, plrcImageQueue, type QueueOverflow } from './queue.js';
export { cropCoordinates, overlappingPixels, type PixelPairs } from './regions/overlap.js';
export { expandMask, maskFromView, regionMask } from './regions/region-grid.js';
export {
  sampleRegionPoints,
  type RegionPointOptions,
  type RegionPoints,
} from './regions/sample-region-points.js';
export { PLRC_VIEW_NAMES, PlrcViewGenerator, cropOverlap, type PlrcViewOptions } from './views.js';
export { PLUGIN_VERSION } from './version.js';
