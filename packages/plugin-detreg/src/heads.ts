import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { Mlp } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * DETReg's `feature_embed` (`models/deformable_detr.py`): `MLP(d, d, E, 2)` — Linear d → d, ReLU,
 * Linear d → E — mapping the last decoder layer's output of each query to the teacher's embedding
 * space (E = 512 = 2d for the layer2 teacher on ResNet-50, 128 = d/2 for SwAV's head). PyTorch's
 * default Linear init. Variables `layers.{0,1}.{weight,bias}`.
 */
export class FeatureEmbedHead implements HasVariables {
  readonly mlp: Mlp;

  constructor(options: {
    readonly dModel: number;
    readonly embeddingDim: number;
    readonly rng: Rng;
  }) {
    this.mlp = new Mlp({
      inputDim: options.dModel,
      hiddenDim: options.dModel,
      outputDim: options.embeddingDim,
      numLayers: 2,
      rng: options.rng,
    });
  }

  /** `[…, d]` → `[…, E]`. */
  apply<T extends tf.Tensor>(hidden: T): T {
    return this.mlp.apply(hidden);
  }

  variables(): NamedVariables {
    return this.mlp.variables();
  }
}
