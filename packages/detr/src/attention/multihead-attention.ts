import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import {
  Linear,
  collectVariables,
  dropout,
  initWeight,
  linear,
  variableFrom,
  type DropoutContext,
} from '@ssdet/nn';
import { additiveMask } from './attention-mask.js';

export interface MultiheadAttentionOptions {
  readonly embedDim: number;
  readonly numHeads: number;
  /** Dropout on the attention weights in training (DETR: 0.1). */
  readonly dropout?: number;
  /**
   * `out_proj.weight`: `pytorchDefault` (default) — U(±1/√E), what `nn.MultiheadAttention`'s
   * `out_proj` (an `nn.Linear`) draws — or `xavierUniform` — U(±√(3/E)), what DETR's and
   * Deformable DETR's `_reset_parameters` leave there.
   */
  readonly outProjInit?: 'pytorchDefault' | 'xavierUniform';
  readonly rng: Rng;
}

export interface AttentionInputs extends DropoutContext {
  /**
   * `[B, S]` (true/1 = that key is padding and is ignored), `torch`'s `key_padding_mask`.
   */
  readonly keyPaddingMask?: tf.Tensor2D;
  /**
   * `[L, S]` or `[B·numHeads, L, S]`: boolean/int (true/1 = blocked) or float (added to the
   * logits), `torch`'s `attn_mask`.
   */
  readonly attnMask?: tf.Tensor;
  /** Also return the attention weights averaged over heads, `[B, L, S]`. */
  readonly needWeights?: boolean;
}

export interface AttentionOutput {
  /** `[B, L, E]`. */
  readonly output: tf.Tensor3D;
  /** `[B, L, S]`, head-averaged, when asked for. */
  readonly weights?: tf.Tensor3D;
}

/**
 * `torch.nn.MultiheadAttention` (Vaswani et al., 2017), batch-first:
 * headᵢ = softmax(QWᵢᑫ (KWᵢᵏ)ᵀ / √d_h + mask) VWᵢᵛ, output = concat(headᵢ) Wᵒ + bᵒ.
 *
 * Variables as PyTorch names them: `in_proj_weight` (the packed q/k/v projection, stored
 * `[E, 3E]` — the transpose of torch's `[3E, E]`), `in_proj_bias` `[3E]`, `out_proj.weight`
 * `[E, E]` (transposed), `out_proj.bias`. Initialised as torch does: Xavier-uniform packed
 * projection, zero biases, `out_proj.weight` as `nn.Linear` (or Xavier, `outProjInit`).
 */
export class MultiheadAttention implements HasVariables {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropoutRate: number;
  readonly inProjWeight: tf.Variable;
  readonly inProjBias: tf.Variable;
  readonly outProj: Linear;

  constructor(options: MultiheadAttentionOptions) {
    const { embedDim, numHeads } = options;
    if (!Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads !== 0) {
      throw new SsdetError(
        'DETR_ATTENTION_HEADS',
        `MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads}).`,
      );
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropoutRate = options.dropout ?? 0;
    // torch draws xavier over the [3E, E] matrix: fan_in E, fan_out 3E.
    this.inProjWeight = variableFrom(() =>
      initWeight(
        [embedDim, 3 * embedDim],
        { fanIn: embedDim, fanOut: 3 * embedDim },
        'xavierUniform',
        options.rng,
      ),
    );
    this.inProjBias = variableFrom(() => tf.zeros([3 * embedDim]));
    this.outProj = new Linear({
      inFeatures: embedDim,
      outFeatures: embedDim,
      init: options.outProjInit ?? 'pytorchDefault',
      rng: options.rng,
    });
    tf.tidy(() => this.outProj.bias?.assign(tf.zeros([embedDim])));
  }

  /** query `[B, L, E]`, key and value `[B, S, E]`. */
  apply(
    query: tf.Tensor3D,
    key: tf.Tensor3D,
    value: tf.Tensor3D,
    inputs: AttentionInputs,
  ): AttentionOutput {
    const [batch, targetLength] = query.shape;
    const sourceLength = key.shape[1];
    const { embedDim: e, numHeads: h, headDim } = this;
    const weightsKept: { value?: tf.Tensor3D } = {};
    const output = tf.tidy(() => {
      const project = (x: tf.Tensor3D, part: number, length: number): tf.Tensor => {
        const w = tf.slice(this.inProjWeight, [0, part * e], [e, e]);
        const b = tf.slice(this.inProjBias, [part * e], [e]);
        const projected = linear(x, w, b);
        return tf.transpose(tf.reshape(projected, [batch, length, h, headDim]), [0, 2, 1, 3]);
      };
      const q = tf.mul(project(query, 0, targetLength), 1 / Math.sqrt(headDim));
      const k = project(key, 1, sourceLength);
      const v = project(value, 2, sourceLength);
      let logits: tf.Tensor = tf.matMul(q, k, false, true); // [B, H, L, S]
      if (inputs.attnMask !== undefined) {
        const mask = additiveMask(inputs.attnMask);
        const shaped =
          mask.rank === 3 ? tf.reshape(mask, [batch, h, targetLength, sourceLength]) : mask;
        logits = tf.add(logits, shaped);
      }
      if (inputs.keyPaddingMask !== undefined) {
        const padding = additiveMask(inputs.keyPaddingMask);
        logits = tf.add(logits, tf.reshape(padding, [batch, 1, 1, sourceLength]));
      }
      const attention = tf.softmax(logits, -1);
      if (inputs.needWeights === true)
        weightsKept.value = tf.keep(tf.mean(attention, 1) as tf.Tensor3D);
      const dropped = dropout(attention, this.dropoutRate, inputs);
      const heads = tf.matMul(dropped, v); // [B, H, L, Dh]
      const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [batch, targetLength, e]);
      return this.outProj.forward(merged) as tf.Tensor3D;
    });
    return weightsKept.value === undefined ? { output } : { output, weights: weightsKept.value };
  }

  variables(): NamedVariables {
    return collectVariables([
      ['in_proj_weight', this.inProjWeight],
      ['in_proj_bias', this.inProjBias],
      ['out_proj', this.outProj],
    ]);
  }
}
