import type { HasVariables, ForwardOptions } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from './batch-norm-2d.js';
import { FrozenBatchNorm2d } from './frozen-batch-norm-2d.js';

/** Which normalisation a network uses after its convolutions. */
export type NormLayerKind = 'batch' | 'frozen';

/** A channel normalisation of NHWC maps: {@link BatchNorm2d} or {@link FrozenBatchNorm2d}. */
export interface Norm2d extends HasVariables {
  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D;
}

export function createNorm2d(kind: NormLayerKind, numFeatures: number): Norm2d {
  return kind === 'batch'
    ? new BatchNorm2d({ numFeatures })
    : new FrozenBatchNorm2d({ numFeatures });
}
