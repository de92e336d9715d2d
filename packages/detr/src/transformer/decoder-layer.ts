import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { MultiheadAttention } from '../attention/multihead-attention.js';
import { LayerNorm, collectVariables, dropoutContext, type DropoutContext } from '@ssdet/nn';
import { FeedForward } from './feed-forward.js';
import type { TransformerLayerOptions } from './layer-options.js';
import { residual } from './residual.js';
import { withPosEmbed } from './with-pos-embed.js';

export interface DecoderLayerInputs extends DropoutContext {
  /** `[B, S, d]` memory positions, added to the cross-attention keys. */
  readonly pos?: tf.Tensor3D;
  /** `[B, Q, d]` or `[Q, d]` query positions (the object queries), added to self-attention q, k and cross-attention q. */
  readonly queryPos?: tf.Tensor;
  /** `[Q, Q]` self-attention mask (e.g. {@link blockDiagonalAttentionMask}). */
  readonly tgtMask?: tf.Tensor;
  readonly memoryMask?: tf.Tensor;
  readonly tgtKeyPaddingMask?: tf.Tensor2D;
  /** `[B, S]`, true/1 = padding. */
  readonly memoryKeyPaddingMask?: tf.Tensor2D;
}

/**
 * DETR's `TransformerDecoderLayer`. Post-norm:
 *   t ← LN₁(t + Drop(SelfAttn(q = k = t + qpos, v = t))),
 *   t ← LN₂(t + Drop(CrossAttn(q = t + qpos, k = m + pos, v = m))), t ← LN₃(t + Drop(FFN(t)));
 * pre-norm normalises each sub-layer's input instead and leaves the residual stream raw.
 * Variables: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1..3.*`.
 */
export class TransformerDecoderLayer implements HasVariables {
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly ffn: FeedForward;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropoutRate: number;
  readonly normalizeBefore: boolean;

  constructor(options: TransformerLayerOptions) {
    this.dropoutRate = options.dropout ?? 0.1;
    this.normalizeBefore = options.normalizeBefore ?? false;
    const init = options.init ?? 'xavierUniform';
    const attention = {
      embedDim: options.dModel,
      numHeads: options.numHeads,
      dropout: this.dropoutRate,
      outProjInit: init,
      rng: options.rng,
    };
    this.selfAttn = new MultiheadAttention(attention);
    this.multiheadAttn = new MultiheadAttention(attention);
    this.ffn = new FeedForward(
      options.dModel,
      options.dimFeedforward,
      this.dropoutRate,
      options.rng,
      init,
    );
    this.norm1 = new LayerNorm(options.dModel);
    this.norm2 = new LayerNorm(options.dModel);
    this.norm3 = new LayerNorm(options.dModel);
  }

  /** `tgt` `[B, Q, d]`, `memory` `[B, S, d]` → `[B, Q, d]`. */
  apply(tgt: tf.Tensor3D, memory: tf.Tensor3D, inputs: DecoderLayerInputs): tf.Tensor3D {
    return tf.tidy(() => {
      const context = dropoutContext(inputs);
      const step = { rate: this.dropoutRate, context, preNorm: this.normalizeBefore };
      const selfAttend = (x: tf.Tensor3D): tf.Tensor => {
        const qk = withPosEmbed(x, inputs.queryPos) as tf.Tensor3D;
        return this.selfAttn.apply(qk, qk, x, {
          ...context,
          ...(inputs.tgtMask === undefined ? {} : { attnMask: inputs.tgtMask }),
          ...(inputs.tgtKeyPaddingMask === undefined
            ? {}
            : { keyPaddingMask: inputs.tgtKeyPaddingMask }),
        }).output;
      };
      const crossAttend = (x: tf.Tensor3D): tf.Tensor =>
        this.multiheadAttn.apply(
          withPosEmbed(x, inputs.queryPos) as tf.Tensor3D,
          withPosEmbed(memory, inputs.pos) as tf.Tensor3D,
          memory,
          {
            ...context,
            ...(inputs.memoryMask === undefined ? {} : { attnMask: inputs.memoryMask }),
            ...(inputs.memoryKeyPaddingMask === undefined
              ? {}
              : { keyPaddingMask: inputs.memoryKeyPaddingMask }),
          },
        ).output;
      let t = residual(tgt, selfAttend, this.norm1, step);
      t = residual(t, crossAttend, this.norm2, step);
      return residual(t, (x) => this.ffn.apply(x, context), this.norm3, step);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['self_attn', this.selfAttn],
      ['multihead_attn', this.multiheadAttn],
      ['', this.ffn],
      ['norm1', this.norm1],
      ['norm2', this.norm2],
      ['norm3', this.norm3],
    ]);
  }
}
