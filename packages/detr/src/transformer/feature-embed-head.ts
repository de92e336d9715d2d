import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { Mlp } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * DETReg's `feature_embed` (`models/deformable_detr.py` in amirbar/DETReg), the object-embedding
 * head the DETR-family methods put on the decoder: `MLP(d, d, E, 2)` — Linear d → d, ReLU,
 * Linear d → E — on each query's output, PyTorch's default Linear init. DETReg regresses a
 * teacher's crop embedding with it, ProSeCo contrasts its outputs. Variables
 * `layers.{0,1}.{weight,bias}` (the owner names it `feature_embed`).
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

  /**
   * `[L, B, Q, d]` decoder outputs → `[B, Q, E]` embeddings of the last layer only (the methods
   * put no embedding on the auxiliary layers).
   */
  applyToLastLayer(hs: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() =>
      this.apply(
        tf.squeeze(tf.slice(hs, [hs.shape[0] - 1, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D,
      ),
    );
  }

  variables(): NamedVariables {
    return this.mlp.variables();
  }
}
