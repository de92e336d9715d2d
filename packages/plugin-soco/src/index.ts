export { plugin, plugin as default, SOCO_CONFIG } from './plugin.js';
export { PLUGIN_VERSION } from './version.js';
export {
  socoConfigSchema,
  soco400EpochPreset,
  socoDemoPreset,
  socoStarPreset,
  type SocoConfig,
  type SocoConfigInput,
} from './config.js';
export { SocoMethod } from './method.js';
export { SocoViewGenerator, cutoutInBoxes, type SocoViewOptions } from './views.js';
export {
  clipToView,
  commonIds,
  jitterBoxes,
  padToK,
  proposalsOverlapping,
  selectProposals,
  type IdentifiedBoxes,
} from './box-selection.js';
export { socoRois, type SocoRois } from './roi-boxes.js';
export { sameProposalMatrix, type PairSide } from './correspondence.js';
export { boxAwareRegressionLoss } from './losses/box-aware-regression-loss.js';
export { SocoEncoder, SOCO_LEVELS, createPredictor, type SocoEncoderOptions } from './heads.js';
