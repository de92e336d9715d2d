export { BatchNorm, type BatchNormOptions } from './layers/batch-norm.js';
export { BatchNorm1d } from './layers/batch-norm-1d.js';
export { BatchNorm2d } from './layers/batch-norm-2d.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { ConvNorm, type ConvNormOptions } from './layers/conv-norm.js';
export { FrozenBatchNorm2d } from './layers/frozen-batch-norm-2d.js';
export { globalAvgPool } from './layers/global-avg-pool.js';
export { initWeight, type WeightInit } from './layers/initializers.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { maxPool2d } from './layers/max-pool-2d.js';
export { collectVariables, setTrainable, trainableVariables } from './layers/named-variables.js';
export { createNorm2d, type Norm2d, type NormLayerKind } from './layers/norm-2d.js';
export { relu } from './layers/relu.js';

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
export { MomentumEncoder, type MomentumEncoderOptions } from './ssl/momentum-encoder.js';
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

export * from './weights/index.js';
export * from './roi-align/index.js';
