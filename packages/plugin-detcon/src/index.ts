export { plugin, DETCON_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  DETCON_FEATURE_STRIDE,
  detconConfigSchema,
  detconDemoPreset,
  detconSPreset,
  type DetconConfig,
  type DetconConfigInput,
} from './config.js';
export {
  DetconBMethod,
  DetconSMethod,
  createDetconMethod,
  type DetconMethod,
  type DetconStages,
} from './method.js';
export { DetconEncoder, type DetconEncoderOptions } from './encoder.js';
export { DetconMlp, type DetconMlpOptions } from './heads.js';
export {
  contrastiveDetection,
  type ContrastiveDetectionInputs,
} from './losses/contrastive-detection.js';
export { DetconBLoss, type DetconBInputs } from './losses/detcon-b-loss.js';
export { DetconSLoss, type DetconSInputs } from './losses/detcon-s-loss.js';
export { maskGrid, type MaskGrid } from './masks/mask-grid.js';
export { sampleMaskIds } from './masks/sample-mask-ids.js';
export { poolMasked, sampledMasks } from './masks/pool-masked.js';
export { sampleViewMasks, type SampledViewMasks } from './masks/view-masks.js';
export { DETCON_VIEW_NAMES, DetconViewGenerator } from './views.js';
export { PLUGIN_VERSION } from './version.js';
