// Box operations (differentiable).
export { cxcywhToXyxy, xyxyToCxcywh } from './box/box-convert.js';
export { boxArea } from './box/box-area.js';
export { pairwiseBoxIou, type PairwiseIou } from './box/box-iou.js';
export { generalizedBoxIou, pairedGeneralizedBoxIou } from './box/generalized-iou.js';

// Layers: @ssdet/nn's, re-exported for code that imports them from here.
export {
  GroupNorm,
  LayerNorm,
  Linear,
  Mlp,
  collectVariables,
  disposeVariables,
  dropout,
  linear,
  type DropoutContext,
  type LinearOptions,
  type MlpOptions,
} from '@ssdet/nn';

// Attention.
export {
  MultiheadAttention,
  type AttentionInputs,
  type AttentionOutput,
  type MultiheadAttentionOptions,
} from './attention/multihead-attention.js';
export {
  BLOCKED_LOGIT,
  additiveMask,
  blockDiagonalAttentionMask,
  groupAttentionMask,
} from './attention/attention-mask.js';

// Positions.
export {
  sinePositionEmbedding,
  type SinePositionEmbeddingOptions,
} from './position/sine-position-embedding.js';
export { resizePixelMask } from './position/resize-pixel-mask.js';

// DETR transformer.
export type { TransformerLayerOptions } from './transformer/layer-options.js';
export { withPosEmbed } from './transformer/with-pos-embed.js';
export { FeedForward } from './transformer/feed-forward.js';
export { TransformerEncoderLayer, type EncoderLayerInputs } from './transformer/encoder-layer.js';
export { TransformerDecoderLayer, type DecoderLayerInputs } from './transformer/decoder-layer.js';
export { TransformerEncoder, type TransformerEncoderOptions } from './transformer/encoder.js';
export { TransformerDecoder, type TransformerDecoderOptions } from './transformer/decoder.js';
export {
  Transformer,
  type TransformerInputs,
  type TransformerOptions,
  type TransformerOutput,
} from './transformer/transformer.js';
export { QueryEmbedding } from './transformer/query-embedding.js';
export { InputProjection } from './transformer/input-projection.js';
export { DetectionHead, type DetectionHeadOptions } from './transformer/detection-head.js';

// Deformable DETR.
export {
  levelStartIndex,
  flattenedLength,
  type SpatialShapes,
} from './deformable/spatial-shapes.js';
export { msDeformAttnCore } from './deformable/ms-deform-attn-core.js';
export { MS_DEFORM_ATTN, MS_DEFORM_ATTN_GRAD } from './deformable/ms-deform-attn-kernel.js';
export {
  MultiLevelInputProjection,
  type MultiLevelInputProjectionOptions,
} from './deformable/multi-level-input-projection.js';
export {
  MsDeformAttn,
  type MsDeformAttnInputs,
  type MsDeformAttnOptions,
} from './deformable/ms-deform-attn.js';
export {
  encoderReferencePoints,
  referencePointsPerLevel,
  validRatios,
} from './deformable/reference-points.js';
export type { DeformableLayerOptions } from './deformable/deformable-layer-options.js';
export {
  DeformableEncoderLayer,
  type DeformableEncoderLayerInputs,
} from './deformable/deformable-encoder-layer.js';
export {
  DeformableDecoderLayer,
  type DeformableDecoderLayerInputs,
} from './deformable/deformable-decoder-layer.js';
export {
  DeformableTransformer,
  type DeformableTransformerInputs,
  type DeformableTransformerOptions,
  type DeformableTransformerOutput,
} from './deformable/deformable-transformer.js';

// Matching.
export { linearSumAssignment, type Assignment } from './matcher/linear-assignment.js';
export { focalClassCost, giouBoxCost, l1BoxCost, softmaxClassCost } from './matcher/match-costs.js';
export { HungarianMatcher, type HungarianMatcherOptions } from './matcher/hungarian-matcher.js';
export type { Match, SetOutputs, SetPredictions, SetTarget } from './matcher/set-types.js';

// Losses.
export { crossEntropyWithEos } from './criterion/cross-entropy-with-eos.js';
export { sigmoidFocalLoss } from './criterion/sigmoid-focal-loss.js';
export { globalBoxCount } from './criterion/global-box-count.js';
export type { MatchedLoss, MatchedLossContext } from './criterion/matched-loss.js';
export {
  SetCriterion,
  type SetCriterionOptions,
  type SetLossOutput,
} from './criterion/set-criterion.js';

// Batches: DETR's NestedTensor and targets, and tidy for typed outputs.
export {
  paddedBatchMask,
  type BatchErrorSource,
  type PaddedBatchMask,
} from './batch/padded-batch-mask.js';
export { normalizedBoxTargets, type NormalizedBoxTargets } from './batch/normalized-box-targets.js';
export { tidyObject } from './tensor/tidy-object.js';
export {
  LINEAR_PROJECTION_NAMES,
  linearProjectionParameterGroups,
} from './optim/linear-projection-groups.js';

// Models the DETR-family methods build on a CNN.
export {
  DeformableDetrModel,
  type DeformableDetrDecoding,
  type DeformableDetrInputs,
  type DeformableDetrModelOptions,
} from './model/deformable-detr-model.js';
export { FeatureEmbedHead } from './transformer/feature-embed-head.js';
