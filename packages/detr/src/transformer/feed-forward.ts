import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { Linear, collectVariables, dropout, type DropoutContext, type WeightInit } from '@ssdet/nn';

/**
 * The transformer's position-wise FFN without its residual: linear2(dropout(relu(linear1(x)))).
 * Weights Xavier-uniform (DETR's and Deformable DETR's `_reset_parameters`) unless `init` says
 * otherwise; biases U(±1/√fan_in), `nn.Linear`'s.
 * Variables `linear1.*`, `linear2.*`, as the layers that own it name them.
 */
export class FeedForward implements HasVariables {
  readonly linear1: Linear;
  readonly linear2: Linear;

  constructor(
    dModel: number,
    dimFeedforward: number,
    readonly dropoutRate: number,
    rng: Rng,
    init: Extract<WeightInit, 'xavierUniform' | 'pytorchDefault'> = 'xavierUniform',
  ) {
    this.linear1 = new Linear({ inFeatures: dModel, outFeatures: dimFeedforward, rng, init });
    this.linear2 = new Linear({ inFeatures: dimFeedforward, outFeatures: dModel, rng, init });
  }

  apply(x: tf.Tensor, context: DropoutContext): tf.Tensor {
    return tf.tidy(() =>
      this.linear2.forward(dropout(tf.relu(this.linear1.forward(x)), this.dropoutRate, context)),
    );
  }

  variables(): NamedVariables {
    return collectVariables([
      ['linear1', this.linear1],
      ['linear2', this.linear2],
    ]);
  }
}
