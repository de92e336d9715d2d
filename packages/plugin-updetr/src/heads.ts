import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import { Linear, Mlp, QueryEmbedding, collectVariables } from '@ssdet/detr';
import * as tf from '@tensorflow/tfjs-core';

export interface PatchQueryOptions {
  /** C, the CNN's output channels (2048 for ResNet-50). */
  readonly featureDim: number;
  /** d (256). */
  readonly dModel: number;
  /** Q (100). */
  readonly numQueries: number;
  /** M (10). */
  readonly numPatches: number;
  readonly rng: Rng;
}

/** Per-step choices of {@link PatchQueryHead.apply}. */
export interface PatchQueryDraw {
  /**
   * `[B·Q]` 1 = keep the patch feature of query q of image b, 0 = drop it (row-major b, q); all
   * ones at evaluation. UP-DETR draws `rand(Q, B, 1) > mask_ratio` and does not rescale.
   */
  readonly keep?: Float32Array;
  /** A permutation of the Q object-query embeddings (`--query_shuffle`); identity when absent. */
  readonly order?: readonly number[];
}

/**
 * UP-DETR's query patches (paper §3.2, `UPDETR.forward`): the frozen CNN's pooled feature of
 * each patch, p_k ∈ ℝ^C, is mapped to the decoder's width by `patch2query` (Linear C → d) and
 * shared by the Q/M queries of its group; each of those copies is dropped with probability
 * `mask_ratio` in training, and the learned object query e_q is added:
 *   query_pos_{b,q} = m_{b,q} · W·p_{b,⌊q·M/Q⌋} + e_{π(q)},
 * which the decoder uses as `query_pos` with tgt = 0.
 *
 * Variables: `patch2query.weight` `[C, d]`, `patch2query.bias`, `query_embed.weight` `[Q, d]`.
 */
export class PatchQueryHead implements HasVariables {
  readonly patch2query: Linear;
  readonly queryEmbed: QueryEmbedding;
  readonly numQueries: number;
  readonly numPatches: number;

  constructor(options: PatchQueryOptions) {
    if (options.numQueries % options.numPatches !== 0) {
      throw new SsdetError(
        'UPDETR_QUERY_GROUPS',
        `PatchQueryHead: numQueries (${options.numQueries}) must be a multiple of numPatches (${options.numPatches}).`,
      );
    }
    this.numQueries = options.numQueries;
    this.numPatches = options.numPatches;
    this.patch2query = new Linear({
      inFeatures: options.featureDim,
      outFeatures: options.dModel,
      rng: options.rng.fork('patch2query'),
    });
    this.queryEmbed = new QueryEmbedding(
      options.numQueries,
      options.dModel,
      options.rng.fork('query_embed'),
    );
  }

  /**
   * @param patchFeatures `[B·M, C]` pooled CNN features, image-major (patch k of image b at b·M + k).
   * @returns `[B, Q, d]` query positions.
   */
  apply(patchFeatures: tf.Tensor2D, draw: PatchQueryDraw = {}): tf.Tensor3D {
    const rows = patchFeatures.shape[0];
    if (rows % this.numPatches !== 0) {
      throw new SsdetError(
        'UPDETR_PATCH_BATCH',
        `PatchQueryHead: ${rows} patch features are not a whole number of images of ${this.numPatches} patches.`,
      );
    }
    const batch = rows / this.numPatches;
    const perPatch = this.numQueries / this.numPatches;
    return tf.tidy(() => {
      const projected = this.patch2query.apply(patchFeatures);
      const d = projected.shape[1]!;
      // repeat_interleave over patches: [B, M, 1, d] → [B, M, Q/M, d] → [B, Q, d].
      let queries = tf.reshape(
        tf.tile(tf.reshape(projected, [batch, this.numPatches, 1, d]), [1, 1, perPatch, 1]),
        [batch, this.numQueries, d],
      );
      if (draw.keep !== undefined) {
        queries = tf.mul(queries, tf.tensor3d(draw.keep, [batch, this.numQueries, 1]));
      }
      const embeddings =
        draw.order === undefined
          ? this.queryEmbed.embeddings
          : tf.gather(this.queryEmbed.embeddings, tf.tensor1d(draw.order as number[], 'int32'));
      return tf.add(queries, embeddings) as tf.Tensor3D;
    });
  }

  /** Draws this step's query dropout (and shuffle) for `batch` images. */
  draw(batch: number, maskRatio: number, shuffle: boolean, rng: Rng): PatchQueryDraw {
    const keep = new Float32Array(batch * this.numQueries);
    for (let i = 0; i < keep.length; i++) keep[i] = rng.uniform() > maskRatio ? 1 : 0;
    return shuffle ? { keep, order: rng.permutation(this.numQueries) } : { keep };
  }

  variables(): NamedVariables {
    return collectVariables([
      ['patch2query', this.patch2query],
      ['query_embed', this.queryEmbed],
    ]);
  }
}

/**
 * UP-DETR's `feature_align`: `MLP(d, d, C, 2)` mapping each decoder output back to the CNN's
 * feature space for the reconstruction loss. Variables `layers.{0,1}.{weight,bias}`.
 */
export class FeatureAlignHead implements HasVariables {
  readonly mlp: Mlp;

  constructor(options: {
    readonly dModel: number;
    readonly featureDim: number;
    readonly rng: Rng;
  }) {
    this.mlp = new Mlp({
      inputDim: options.dModel,
      hiddenDim: options.dModel,
      outputDim: options.featureDim,
      numLayers: 2,
      rng: options.rng,
    });
  }

  /** `[…, d]` → `[…, C]`. */
  apply(hidden: tf.Tensor): tf.Tensor {
    return this.mlp.apply(hidden);
  }

  variables(): NamedVariables {
    return this.mlp.variables();
  }
}
