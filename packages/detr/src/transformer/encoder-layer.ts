import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { MultiheadAttention } from '../attention/multihead-attention.js';
import { LayerNorm, collectVariables, type DropoutContext } from '@ssdet/nn';
import { FeedForward } from './feed-forward.js';
import type { TransformerLayerOptions } from './layer-options.js';
import { residual } from './residual.js';
import { withPosEmbed } from './with-pos-embed.js';

export interface EncoderLayerInputs extends DropoutContext {
  /** `[B, S, d]` positional embedding, added to queries and keys. */
  readonly pos?: tf.Tensor3D;
  /** `[B, S]`, true/1 = padding. */
  readonly keyPaddingMask?: tf.Tensor2D;
  readonly attnMask?: tf.Tensor;
}

/**
 * DETR's `TransformerEncoderLayer`. Post-norm:
 *   x ← LN₁(x + Drop(SelfAttn(q = k = x + pos, v = x))), x ← LN₂(x + Drop(FFN(x)));
 * pre-norm (`normalizeBefore`): y = LN₁(x), x ← x + Drop(SelfAttn(q = k = y + pos, v = y)),
 *   x ← x + Drop(FFN(LN₂(x))).
 * Variables: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
 */
export class TransformerEncoderLayer implements HasVariables {
  readonly selfAttn: MultiheadAttention;
  readonly ffn: FeedForward;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropoutRate: number;
  readonly normalizeBefore: boolean;

  constructor(options: TransformerLayerOptions) {
    this.dropoutRate = options.dropout ?? 0.1;
    this.normalizeBefore = options.normalizeBefore ?? false;
    const init = options.init ?? 'xavierUniform';
    this.selfAttn = new MultiheadAttention({
      embedDim: options.dModel,
      numHeads: options.numHeads,
      dropout: this.dropoutRate,
      outProjInit: init,
      rng: options.rng,
    });
    this.ffn = new FeedForward(
      options.dModel,
      options.dimFeedforward,
      this.dropoutRate,
      options.rng,
      init,
    );
    this.norm1 = new LayerNorm(options.dModel);
    this.norm2 = new LayerNorm(options.dModel);
  }

  /** `src` `[B, S, d]` → `[B, S, d]`. */
  apply(src: tf.Tensor3D, inputs: EncoderLayerInputs): tf.Tensor3D {
    return tf.tidy(() => {
      const attend = (x: tf.Tensor3D): tf.Tensor => {
        const qk = withPosEmbed(x, inputs.pos) as tf.Tensor3D;
        return this.selfAttn.apply(qk, qk, x, inputs).output;
      };
      const step = { rate: this.dropoutRate, context: inputs, preNorm: this.normalizeBefore };
      const x = residual(src, attend, this.norm1, step);
      return residual(x, (y) => this.ffn.apply(y, inputs), this.norm2, step);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['self_attn', this.selfAttn],
      ['', this.ffn],
      ['norm1', this.norm1],
      ['norm2', this.norm2],
    ]);
  }
}
