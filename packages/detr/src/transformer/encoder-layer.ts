import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { MultiheadAttention } from '../attention/multihead-attention.js';
import { dropout, type DropoutContext } from '../layers/dropout.js';
import { LayerNorm } from '../layers/layer-norm.js';
import { collectVariables } from '../layers/named-variables.js';
import { FeedForward } from './feed-forward.js';
import type { TransformerLayerOptions } from './layer-options.js';
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
    this.selfAttn = new MultiheadAttention({
      embedDim: options.dModel,
      numHeads: options.numHeads,
      dropout: this.dropoutRate,
      rng: options.rng,
    });
    this.ffn = new FeedForward(
      options.dModel,
      options.dimFeedforward,
      this.dropoutRate,
      options.rng,
    );
    this.norm1 = new LayerNorm(options.dModel);
    this.norm2 = new LayerNorm(options.dModel);
  }

  /** `src` `[B, S, d]` → `[B, S, d]`. */
  apply(src: tf.Tensor3D, inputs: EncoderLayerInputs): tf.Tensor3D {
    return tf.tidy(() => {
      const attend = (x: tf.Tensor3D): tf.Tensor => {
        const qk = withPosEmbed(x, inputs.pos) as tf.Tensor3D;
        return this.selfAttn.apply(qk, qk, x, {
          ...inputs,
          ...(inputs.keyPaddingMask === undefined ? {} : { keyPaddingMask: inputs.keyPaddingMask }),
          ...(inputs.attnMask === undefined ? {} : { attnMask: inputs.attnMask }),
        }).output;
      };
      const rate = this.dropoutRate;
      if (this.normalizeBefore) {
        let x: tf.Tensor = tf.add(
          src,
          dropout(attend(this.norm1.apply(src) as tf.Tensor3D), rate, inputs),
        );
        x = tf.add(x, dropout(this.ffn.apply(this.norm2.apply(x), inputs), rate, inputs));
        return x as tf.Tensor3D;
      }
      let x = this.norm1.apply(tf.add(src, dropout(attend(src), rate, inputs)));
      x = this.norm2.apply(tf.add(x, dropout(this.ffn.apply(x, inputs), rate, inputs)));
      return x as tf.Tensor3D;
    });
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([['self_attn', this.selfAttn]]),
      ...this.ffn.variables(),
      ...collectVariables([
        ['norm1', this.norm1],
        ['norm2', this.norm2],
      ]),
    ]);
  }
}
