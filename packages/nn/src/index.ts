export { plugin } from './plugin.js';
export { RESNET_BACKBONES } from './stages/resnet-backbones.js';
export { FPN_NECKS } from './stages/fpn-necks.js';

export { BatchNorm, type BatchNormOptions } from './layers/batch-norm.js';
export { BatchNorm1d } from './layers/batch-norm-1d.js';
export { BatchNorm2d } from './layers/batch-norm-2d.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { ConvNorm, type ConvNormOptions } from './layers/conv-norm.js';
export { dropout, dropoutContext, type DropoutContext } from './layers/dropout.js';
export { FrozenBatchNorm2d } from './layers/frozen-batch-norm-2d.js';
export { globalAvgPool } from './layers/global-avg-pool.js';
export { GroupNorm } from './layers/group-norm.js';
export { initDefaultBias, initWeight, type WeightInit } from './layers/initializers.js';
export { LayerNorm } from './layers/layer-norm.js';
export { Linear, linear, type LinearOptions } from './layers/linear.js';
export { maxPool2d } from './layers/max-pool-2d.js';
export { Mlp, type MlpOptions } from './layers/mlp.js';
export {
  collectVariables,
  disposeVariables,
  setTrainable,
  trainableVariables,
  variableFrom,
} from './layers/named-variables.js';
export { createNorm2d, type Norm2d, type NormLayerKind } from './layers/norm-2d.js';
export { relu } from './layers/relu.js';
export { WeightNormLinear, type WeightNormLinearOptions } from './layers/weight-norm-linear.js';
export {
  gridSamplePoints,
  gridSampleWeights,
  type GridSamplePointsOptions,
} from './sampling/grid-sample-points.js';
export { bilinearResizeMatrix, upsampleBilinear } from './sampling/upsample-bilinear.js';

export {
  BasicBlock,
  Bottleneck,
  type ResidualBlock,
  type ResidualBlockOptions,
} from './backbones/residual-block.js';
export { ResNet, type ResNetDepth, type ResNetOptions } from './backbones/resnet.js';

export { Fpn, type FpnOptions } from './necks/fpn.js';

export { ConvFcBoxHead, type ConvFcBoxHeadOptions } from './heads/conv-fc-box-head.js';
export { DenseHead, type DenseHeadOptions } from './heads/dense-head.js';
export { MlpHead, type MlpHeadOptions } from './heads/mlp-head.js';

export { MemoryQueue, type MemoryQueueOptions } from './ssl/memory-queue.js';
export { encodeInGroups, replicaForwardOptions } from './ssl/shuffle-bn.js';
export { shuffleBnGroupsFor } from './ssl/shuffle-bn-groups.js';
export { encodeShuffledAcrossRanks } from './ssl/shuffle-bn-across-ranks.js';
export { concatAllGather } from './ssl/concat-all-gather.js';
export {
  MomentumPairs,
  type MomentumPair,
  type MomentumPairsOptions,
  type MomentumStep,
} from './ssl/momentum-pairs.js';
export {
  constantMomentum,
  cosineMomentum,
  type MomentumSchedule,
} from './ssl/momentum-schedule.js';
export {
  copyVariables,
  isBatchNormBuffer,
  momentumUpdate,
  type BufferPolicy,
  type MomentumUpdateOptions,
} from './ssl/momentum-update.js';

export { infoNceLoss } from './losses/info-nce-loss.js';
export { l2Normalize } from './losses/l2-normalize.js';
export { normalizedRegressionLoss } from './losses/normalized-regression-loss.js';
export {
  SOFT_TARGET_CROSS_ENTROPY,
  SOFT_TARGET_CROSS_ENTROPY_GRAD,
  softTargetCrossEntropy,
  type SoftTargetCrossEntropyOptions,
} from './losses/soft-target-cross-entropy.js';

export * from './weights/index.js';
export {
  backboneNaming,
  loadBackboneTensors,
  loadPretrainedBackbone,
  readWeightSource,
  resolveWeightSource,
  type LoadPretrainedBackboneOptions,
  type PretrainedBackboneReport,
  type WeightSource,
} from './pretrained/load-pretrained-backbone.js';
export {
  loadRequiredBackboneWeights,
  type RequiredBackboneWeights,
} from './pretrained/load-required-backbone-weights.js';
export * from './roi-align/index.js';
