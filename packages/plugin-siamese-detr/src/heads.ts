import type { ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import { QueryEmbedding } from '@ssdet/detr';
import { BatchNorm1d, Linear, Mlp, collectVariables, roiAlign } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** One backbone level the region queries are pooled from. */
export interface QueryLevel {
  /** `[B, H, W, C]` the frozen CNN's feature map of the query view. */
  readonly features: tf.Tensor4D;
  /** Its stride (32 for C5; 8, 16, 32 for the multi-scale variant). */
  readonly stride: number;
}

export interface RegionQueryOptions {
  /** C: the pooled channels, summed over the levels read (2048, or 512 + 1024 + 2048 = 3584). */
  readonly featureDim: number;
  /** d (256). */
  readonly dModel: number;
  /** Q (100 vanilla, 300 Deformable). */
  readonly numQueries: number;
  /** M (10). */
  readonly numPatches: number;
  /**
   * Columns of `query_embed`: d (vanilla), or 2d for Deformable DETR, whose second half is the
   * decoder's input tgt (the official `transformer.tgt_embed`) and only the first is added here.
   */
  readonly embeddingDim?: number;
  readonly rng: Rng;
}

/**
 * Siamese DETR's query injection (`SiameseDETR.align_and_proj`, Zx55/SiameseDETR
 * `models/siamese_detr.py`): the frozen CNN's features of region k in the query view, RoIAlign
 * 7 × 7 (spatial scale 1/stride, adaptive sampling, torchvision's `aligned=False`), averaged,
 * concatenated over levels (multi-scale variant), mapped to d by `patch2query` (Linear C → d),
 * repeated for the Q/M queries of its group, plus the learned object query:
 *   query_pos_{b,q} = W·mean(RoIAlign(F_b, r_{b,⌊q·M/Q⌋})) + e_q.
 * No attention mask, no query dropout or shuffle (`query_shuffle=False`).
 *
 * Variables: `patch2query.weight` `[C, d]`, `patch2query.bias`, `query_embed.weight` `[Q, d]`
 * (or `[Q, 2d]`, see {@link RegionQueryOptions.embeddingDim}).
 */
export class RegionQueryHead implements HasVariables {
  readonly patch2query: Linear;
  readonly queryEmbed: QueryEmbedding;
  readonly numQueries: number;
  readonly numPatches: number;
  readonly dModel: number;

  constructor(options: RegionQueryOptions) {
    if (options.numQueries % options.numPatches !== 0) {
      throw new SsdetError(
        'SIAMESE_DETR_QUERY_GROUPS',
        `RegionQueryHead: numQueries (${options.numQueries}) must be a multiple of numPatches (${options.numPatches}).`,
      );
    }
    this.numQueries = options.numQueries;
    this.numPatches = options.numPatches;
    this.patch2query = new Linear({
      inFeatures: options.featureDim,
      outFeatures: options.dModel,
      rng: options.rng.fork('patch2query'),
    });
    this.dModel = options.dModel;
    this.queryEmbed = new QueryEmbedding(
      options.numQueries,
      options.embeddingDim ?? options.dModel,
      options.rng.fork('query_embed'),
    );
  }

  /** The learned object queries e `[Q, d]` added to the region features. */
  get objectQueries(): tf.Tensor2D {
    const embeddings = this.queryEmbed.embeddings;
    return embeddings.shape[1] === this.dModel
      ? embeddings
      : (tf.slice(embeddings, [0, 0], [-1, this.dModel]) as tf.Tensor2D);
  }

  /**
   * `[B, M, C]`: each region's RoIAlign 7×7 feature averaged, levels concatenated.
   *
   * @param boxes `[B·M·4]` xyxy in the view's pixels, image-major.
   */
  regionFeatures(levels: readonly QueryLevel[], boxes: Float32Array): tf.Tensor3D {
    const batch = levels[0]!.features.shape[0];
    const rois = new Float32Array((boxes.length / 4) * 5);
    for (let r = 0; r < boxes.length / 4; r++) {
      rois.set([Math.floor(r / this.numPatches), ...boxes.subarray(r * 4, r * 4 + 4)], r * 5);
    }
    if (rois.length / 5 !== batch * this.numPatches) {
      throw new SsdetError(
        'SIAMESE_DETR_QUERY_BOXES',
        `RegionQueryHead: ${boxes.length / 4} boxes are not ${this.numPatches} per image for ${batch} images.`,
      );
    }
    return tf.tidy(() => {
      const pooled = levels.map(({ features, stride }) =>
        tf.mean(
          roiAlign(features, rois, {
            outputSize: 7,
            spatialScale: 1 / stride,
            samplingRatio: -1,
            aligned: false,
          }),
          [1, 2],
        ),
      );
      const joined = pooled.length === 1 ? pooled[0]! : tf.concat(pooled, 1);
      return tf.reshape(joined, [batch, this.numPatches, -1]) as tf.Tensor3D;
    });
  }

  /** `[B, M, C]` region features → `[B, Q, d]` query positions. */
  apply(regionFeatures: tf.Tensor3D): tf.Tensor3D {
    const [batch, numPatches] = regionFeatures.shape;
    const perPatch = this.numQueries / this.numPatches;
    return tf.tidy(() => {
      const projected = this.patch2query.forward(regionFeatures) as tf.Tensor3D;
      const d = projected.shape[2];
      // repeat_interleave over regions: [B, M, 1, d] → [B, M, Q/M, d] → [B, Q, d].
      const queries = tf.reshape(
        tf.tile(tf.reshape(projected, [batch, numPatches, 1, d]), [1, 1, perPatch, 1]),
        [batch, this.numQueries, d],
      );
      return tf.add(queries, this.objectQueries) as tf.Tensor3D;
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['patch2query', this.patch2query],
      ['query_embed', this.queryEmbed],
    ]);
  }
}

/**
 * `feature_align` of `SiameseDETRPredictHead`: `MLP(d, d, C, 2)` — Linear d → d, ReLU, Linear d → C
 * — mapping each decoder output to the frozen CNN's pooled-feature space (region discrimination).
 * Variables `layers.{0,1}.{weight,bias}`.
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

  apply<T extends tf.Tensor>(hidden: T): T {
    return this.mlp.forward(hidden);
  }

  variables(): NamedVariables {
    return this.mlp.variables();
  }
}

export interface GlobalHeadOptions {
  /** Input channels: d (vanilla) or 3·d (multi-scale: the first three memory levels). */
  readonly inDim: number;
  /** 256. */
  readonly hiddenDim: number;
  /** 256. */
  readonly outDim: number;
  readonly rng: Rng;
}

/**
 * `SiameseDETREncoderGlobalLatentHead`'s networks on the average-pooled encoder memory:
 * projector g (`NonLinearNeckV3`, SimSiam's): Linear → BN → ReLU → Linear → BN → ReLU → Linear → BN;
 * predictor q (`NonLinearNeckV2`, BYOL's): Linear → BN → ReLU → Linear. BatchNorm uses the batch's
 * statistics in training (each view's batch on its own, as the official calls them per view).
 *
 * Variables as the official `nn.Sequential`s: `projector.mlp.{0,1,3,4,6,7}.*`,
 * `predictor.mlp.{0,1,3}.*`.
 */
export class GlobalDiscriminationHead implements HasVariables {
  private readonly projector: readonly (readonly [string, Linear | BatchNorm1d | 'relu'])[];
  private readonly predictor: readonly (readonly [string, Linear | BatchNorm1d | 'relu'])[];

  constructor(options: GlobalHeadOptions) {
    const { inDim, hiddenDim, outDim, rng } = options;
    const linear = (inFeatures: number, outFeatures: number, label: string) =>
      new Linear({ inFeatures, outFeatures, rng: rng.fork(label), draw: 'forked' });
    const numbered = (layers: (Linear | BatchNorm1d | 'relu')[]) =>
      layers.map((layer, i) => [String(i), layer] as const);
    this.projector = numbered([
      linear(inDim, hiddenDim, 'projector.0'),
      new BatchNorm1d({ numFeatures: hiddenDim }),
      'relu',
      linear(hiddenDim, hiddenDim, 'projector.3'),
      new BatchNorm1d({ numFeatures: hiddenDim }),
      'relu',
      linear(hiddenDim, outDim, 'projector.6'),
      new BatchNorm1d({ numFeatures: outDim }),
    ]);
    this.predictor = numbered([
      linear(outDim, hiddenDim, 'predictor.0'),
      new BatchNorm1d({ numFeatures: hiddenDim }),
      'relu',
      linear(hiddenDim, outDim, 'predictor.3'),
    ]);
  }

  /** `[N, inDim]` pooled memory → projection z and prediction p = q(z), both `[N, outDim]`. */
  apply(
    pooled: tf.Tensor2D,
    options: ForwardOptions,
  ): { projection: tf.Tensor2D; prediction: tf.Tensor2D } {
    return tf.tidy(() => {
      const projection = run(this.projector, pooled, options);
      return { projection, prediction: run(this.predictor, projection, options) };
    });
  }

  variables(): NamedVariables {
    const named = (prefix: string, layers: typeof this.projector) =>
      layers.flatMap(([name, layer]) =>
        layer === 'relu' ? [] : [[`${prefix}.mlp.${name}`, layer] as const],
      );
    return collectVariables([
      ...named('projector', this.projector),
      ...named('predictor', this.predictor),
    ]);
  }
}

function run(
  layers: readonly (readonly [string, Linear | BatchNorm1d | 'relu'])[],
  x: tf.Tensor2D,
  options: ForwardOptions,
): tf.Tensor2D {
  return layers.reduce<tf.Tensor2D>((y, [, layer]) => {
    if (layer === 'relu') return tf.relu(y);
    return layer instanceof Linear ? layer.forward(y) : layer.forward(y, options);
  }, x);
}
