import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { LayerNorm, collectVariables, type DropoutContext } from '@ssdet/nn';
import { FeedForward } from '../transformer/feed-forward.js';
import { residual } from '../transformer/residual.js';
import { withPosEmbed } from '../transformer/with-pos-embed.js';
import type { DeformableLayerOptions } from './deformable-layer-options.js';
import { MsDeformAttn } from './ms-deform-attn.js';
import type { SpatialShapes } from './spatial-shapes.js';

export interface DeformableEncoderLayerInputs extends DropoutContext {
  /** `[B, S, d]` positions + level embeddings. */
  readonly pos: tf.Tensor3D;
  /** `[B, S, L, 2]`. */
  readonly referencePoints: tf.Tensor4D;
  readonly spatialShapes: SpatialShapes;
  /** `[B, S]`, true/1 = padding. */
  readonly paddingMask?: tf.Tensor2D;
}

/**
 * `DeformableTransformerEncoderLayer` (post-norm): x ← LN₁(x + Drop(MSDeformAttn(q = x + pos,
 * input = x))), x ← LN₂(x + Drop(FFN(x))). Variables `self_attn.*`, `norm1.*`, `linear1.*`,
 * `linear2.*`, `norm2.*`.
 */
export class DeformableEncoderLayer implements HasVariables {
  readonly selfAttn: MsDeformAttn;
  readonly ffn: FeedForward;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropoutRate: number;

  constructor(options: DeformableLayerOptions) {
    this.dropoutRate = options.dropout ?? 0.1;
    this.selfAttn = new MsDeformAttn(options);
    this.ffn = new FeedForward(
      options.dModel,
      options.dimFeedforward ?? 1024,
      this.dropoutRate,
      options.rng,
    );
    this.norm1 = new LayerNorm(options.dModel);
    this.norm2 = new LayerNorm(options.dModel);
  }

  apply(src: tf.Tensor3D, inputs: DeformableEncoderLayerInputs): tf.Tensor3D {
    return tf.tidy(() => {
      const attend = (x: tf.Tensor3D): tf.Tensor =>
        this.selfAttn.apply({
          query: withPosEmbed(x, inputs.pos) as tf.Tensor3D,
          referencePoints: inputs.referencePoints,
          input: x,
          spatialShapes: inputs.spatialShapes,
          ...(inputs.paddingMask === undefined ? {} : { paddingMask: inputs.paddingMask }),
        });
      const step = { rate: this.dropoutRate, context: inputs };
      const x = residual(src, attend, this.norm1, step);
      return residual(x, (y) => this.ffn.apply(y, inputs), this.norm2, step);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['self_attn', this.selfAttn],
      ['norm1', this.norm1],
      ['', this.ffn],
      ['norm2', this.norm2],
    ]);
  }
}
