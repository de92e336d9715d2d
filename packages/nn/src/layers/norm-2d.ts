import type { HasVariables, ForwardOptions } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from './batch-norm-2d.js';
import { FrozenBatchNorm2d } from './frozen-batch-norm-2d.js';
import { GroupNorm } from './group-norm.js';

/**
 * Which normalisation a network uses after its convolutions: BatchNorm (batch statistics in
 * training), frozen BatchNorm, or GroupNorm with 32 groups (Wu & He 2018; fewer when the width
 * has no multiple of 32, e.g. at a reduced width multiplier).
 */
export type NormLayerKind = 'batch' | 'frozen' | 'group';

/** A channel normalisation of NHWC maps: {@link BatchNorm2d}, {@link FrozenBatchNorm2d} or {@link GroupNorm}. */
export interface Norm2d extends HasVariables {
  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D;
}

export function createNorm2d(kind: NormLayerKind, numFeatures: number): Norm2d {
  if (kind === 'group') return new GroupNorm(groupsFor(numFeatures), numFeatures);
  return kind === 'batch'
    ? new BatchNorm2d({ numFeatures })
    : new FrozenBatchNorm2d({ numFeatures });
}

/** 32 groups (the paper's and detectron2's), or the largest divisor of `channels` below 32. */
function groupsFor(channels: number): number {
  for (let groups = Math.min(32, channels); groups > 1; groups--)
    if (channels % groups === 0) return groups;
  return 1;
}
