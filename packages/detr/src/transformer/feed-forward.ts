import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { Linear, collectVariables, dropout, type DropoutContext } from '@ssdet/nn';

/**
 * The transformer's position-wise FFN without its residual: linear2(dropout(relu(linear1(x)))).
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
  ) {
    this.linear1 = new Linear({
      inFeatures: dModel,
      outFeatures: dimFeedforward,
      rng,
      init: 'xavierUniform',
    });
    this.linear2 = new Linear({
      inFeatures: dimFeedforward,
      outFeatures: dModel,
      rng,
      init: 'xavierUniform',
    });
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
