export { plugin, PROSECO_CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  prosecoConfigSchema,
  prosecoDemoPreset,
  type ProsecoConfig,
  type ProsecoConfigInput,
} from './config.js';
export { ProsecoMethod, PRIOR_LABEL, type ProsecoStages } from './method.js';
export { ProsecoDetector, type DetectorInputs, type ProsecoDetectorOptions } from './detector.js';
/** DETReg's `feature_embed`: ProSeCo's object-embedding head (now shared in @ssdet/detr). */
export { FeatureEmbedHead as ObjectEmbeddingHead } from '@ssdet/detr';
export {
  LocInfoNceLoss,
  locInfoNce,
  type LocInfoNceInputs,
  type PositiveAggregation,
} from './losses/loc-info-nce.js';
export { locationPositives, type LocationPositivesInputs } from './losses/location-positives.js';
export {
  createLocalizationCriterion,
  type LocalizationCriterionOptions,
} from './losses/localization-criterion.js';
export {
  cxcywhValuesToXyxy,
  matchProposals,
  type ProposalMatchingCosts,
} from './proposal-matching.js';
export { loadBackboneWeights } from './backbone-weights.js';
export { normalizedPriors, paddedBatchMask } from './padded-batch.js';
export {
  STUDENT_VIEW,
  TEACHER_VIEW,
  ProsecoViewGenerator,
  visiblePriors,
  type ProsecoViewOptions,
  type StrongAugmentation,
} from './views.js';
export { PLUGIN_VERSION } from './version.js';
export { buildContrastInputs, type ContrastOptions, type ProposalSet } from './contrast-inputs.js';
