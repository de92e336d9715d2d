import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { MultiheadAttention } from '../attention/multihead-attention.js';
import { LayerNorm, collectVariables, dropoutContext, type DropoutContext } from '@ssdet/nn';
import { FeedForward } from '../transformer/feed-forward.js';
import { residual } from '../transformer/residual.js';
import { withPosEmbed } from '../transformer/with-pos-embed.js';
import type { DeformableLayerOptions } from './deformable-layer-options.js';
import { MsDeformAttn } from './ms-deform-attn.js';
import type { SpatialShapes } from './spatial-shapes.js';

export interface DeformableDecoderLayerInputs extends DropoutContext {
  /** `[B, Q, d]` query positions. */
  readonly queryPos: tf.Tensor3D;
  /** `[B, Q, L, 2]` or `[B, Q, L, 4]`. */
  readonly referencePoints: tf.Tensor4D;
  readonly spatialShapes: SpatialShapes;
  /** `[B, S]`, true/1 = padding. */
  readonly paddingMask?: tf.Tensor2D;
  /** `[Q, Q]` self-attention mask (not in the official model; for grouped queries). */
  readonly tgtMask?: tf.Tensor;
}

/**
 * `DeformableTransformerDecoderLayer` (post-norm): t ← LN₂(t + Drop(SelfAttn(q = k = t + qpos,
 * v = t))), t ← LN₁(t + Drop(MSDeformAttn(q = t + qpos, input = memory))), t ← LN₃(t + Drop(FFN(t))).
 * Variables (official names, whose numbering does not follow the order of use): `self_attn.*`,
 * `norm2.*`, `cross_attn.*`, `norm1.*`, `linear1.*`, `linear2.*`, `norm3.*`.
 */
export class DeformableDecoderLayer implements HasVariables {
  readonly crossAttn: MsDeformAttn;
  readonly selfAttn: MultiheadAttention;
  readonly ffn: FeedForward;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropoutRate: number;

  constructor(options: DeformableLayerOptions) {
    this.dropoutRate = options.dropout ?? 0.1;
    this.crossAttn = new MsDeformAttn(options);
    // Deformable DETR's `_reset_parameters` draws every matrix Xavier, out_proj included.
    this.selfAttn = new MultiheadAttention({
      embedDim: options.dModel,
      numHeads: options.numHeads ?? 8,
      dropout: this.dropoutRate,
      outProjInit: 'xavierUniform',
      rng: options.rng,
    });
    this.ffn = new FeedForward(
      options.dModel,
      options.dimFeedforward ?? 1024,
      this.dropoutRate,
      options.rng,
    );
    this.norm1 = new LayerNorm(options.dModel);
    this.norm2 = new LayerNorm(options.dModel);
    this.norm3 = new LayerNorm(options.dModel);
  }

  /** `tgt` `[B, Q, d]`, `memory` `[B, S, d]` → `[B, Q, d]`. */
  apply(tgt: tf.Tensor3D, memory: tf.Tensor3D, inputs: DeformableDecoderLayerInputs): tf.Tensor3D {
    return tf.tidy(() => {
      const context = dropoutContext(inputs);
      const step = { rate: this.dropoutRate, context };
      const selfAttend = (x: tf.Tensor3D): tf.Tensor => {
        const qk = withPosEmbed(x, inputs.queryPos) as tf.Tensor3D;
        return this.selfAttn.apply(qk, qk, x, {
          ...context,
          ...(inputs.tgtMask === undefined ? {} : { attnMask: inputs.tgtMask }),
        }).output;
      };
      const crossAttend = (x: tf.Tensor3D): tf.Tensor =>
        this.crossAttn.apply({
          query: withPosEmbed(x, inputs.queryPos) as tf.Tensor3D,
          referencePoints: inputs.referencePoints,
          input: memory,
          spatialShapes: inputs.spatialShapes,
          ...(inputs.paddingMask === undefined ? {} : { paddingMask: inputs.paddingMask }),
        });
      let t = residual(tgt, selfAttend, this.norm2, step);
      t = residual(t, crossAttend, this.norm1, step);
      return residual(t, (x) => this.ffn.apply(x, context), this.norm3, step);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['cross_attn', this.crossAttn],
      ['norm1', this.norm1],
      ['self_attn', this.selfAttn],
      ['norm2', this.norm2],
      ['', this.ffn],
      ['norm3', this.norm3],
    ]);
  }
}
