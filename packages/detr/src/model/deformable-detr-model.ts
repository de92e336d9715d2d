import type { Backbone, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';
import { DeformableTransformer } from '../deformable/deformable-transformer.js';
import { MultiLevelInputProjection } from '../deformable/multi-level-input-projection.js';
import { resizePixelMask } from '../position/resize-pixel-mask.js';
import { sinePositionEmbedding } from '../position/sine-position-embedding.js';
import { tidyObject } from '../tensor/tidy-object.js';
import { DetectionHead } from '../transformer/detection-head.js';
import { QueryEmbedding } from '../transformer/query-embedding.js';

/** The backbone levels Deformable DETR reads, finest first (`num_feature_levels` picks the last). */
const LEVELS = ['C3', 'C4', 'C5'] as const;

/** What {@link DeformableDetrModel} is built from: Deformable DETR's arguments. */
export interface DeformableDetrModelOptions {
  /** The CNN: its C3–C5 levels feed `input_proj` (it is not among the model's variables). */
  readonly backbone: Backbone;
  /** `hidden_dim`. */
  readonly dModel: number;
  /** `nheads`. */
  readonly numHeads: number;
  /** `dim_feedforward`. */
  readonly dimFeedforward: number;
  /** `enc_layers`. */
  readonly encoderLayers: number;
  /** `dec_layers`. */
  readonly decoderLayers: number;
  readonly dropout: number;
  /** `num_feature_levels`: C3–C5 (the last ones), then stride-2 convolutions on C5. */
  readonly numLevels: number;
  /** `enc_n_points` = `dec_n_points`. */
  readonly numPoints: number;
  /** `num_queries`. */
  readonly numQueries: number;
  /** Sigmoid class logits (Deformable DETR has no no-object logit). */
  readonly numClasses: number;
  readonly rng: Rng;
}

/** The images of one batch, DETR's `NestedTensor`. */
export interface DeformableDetrInputs {
  /** `[B, H, W, 3]` normalised images, zero-padded at the bottom/right to the batch's largest. */
  readonly images: tf.Tensor4D;
  /** `[B, H, W]` 1 = image, 0 = padding. */
  readonly pixelMask: tf.Tensor3D;
  /** Dropout on or off. */
  readonly training: boolean;
  /** Dropout stream. */
  readonly rng?: Rng;
}

/** The decoder's outputs the heads read. */
export interface DeformableDetrDecoding {
  /** `[L, B, Q, d]` every decoder layer's output. */
  readonly hs: tf.Tensor4D;
  /** `[B, Q, 2]` the queries' initial reference points (σ(Linear(query_pos))). */
  readonly referencePoints: tf.Tensor3D;
}

/**
 * Deformable DETR without iterative box refinement or two-stage (`models/deformable_detr.py` in
 * fundamentalvision/Deformable-DETR), as the DETR-family pre-training methods build it on a CNN:
 * the backbone's C3–C5 and stride-2 levels through `input_proj` (Conv + GroupNorm), sine positions
 * (offset −½) + level embeddings, multi-scale deformable attention, `query_embed` `[Q, 2d]`
 * (query_pos ‖ tgt) with reference points, and `class_embed` (bias −log 99) / `bbox_embed` (last
 * layer 0) shared across layers, boxes σ(bbox_embed(h) + [σ⁻¹(ref), 0, 0]).
 *
 * A method extends it with its own heads on `hs`. Its variables are `input_proj.*`,
 * `transformer.*`, `class_embed.*`, `bbox_embed.*` and `query_embed.weight` — the names `ssdet
 * finetune --detector deformable-detr` loads; the backbone's are the owner's to name. Every part
 * draws its initial weights from its own fork of `rng` (`input_proj`, `transformer`, `heads`,
 * `query_embed`), so a subclass's extra forks do not disturb them.
 */
export class DeformableDetrModel implements HasVariables {
  readonly backbone: Backbone;
  readonly inputProj: MultiLevelInputProjection;
  readonly transformer: DeformableTransformer;
  readonly head: DetectionHead;
  readonly queries: QueryEmbedding;
  readonly dModel: number;

  constructor(options: DeformableDetrModelOptions) {
    const { rng, backbone } = options;
    this.backbone = backbone;
    this.dModel = options.dModel;
    const channels = LEVELS.map(
      (name) => backbone.levels.find((level) => level.name === name)!.channels,
    );
    this.inputProj = new MultiLevelInputProjection({
      backboneChannels: channels.slice(Math.max(0, channels.length - options.numLevels)),
      dModel: options.dModel,
      numLevels: options.numLevels,
      rng: rng.fork('input_proj'),
    });
    this.transformer = new DeformableTransformer({
      dModel: options.dModel,
      numHeads: options.numHeads,
      dimFeedforward: options.dimFeedforward,
      dropout: options.dropout,
      numLevels: options.numLevels,
      numPoints: options.numPoints,
      numEncoderLayers: options.encoderLayers,
      numDecoderLayers: options.decoderLayers,
      rng: rng.fork('transformer'),
    });
    this.head = new DetectionHead({
      dModel: options.dModel,
      numLogits: options.numClasses,
      deformableInit: true,
      rng: rng.fork('heads'),
    });
    this.queries = new QueryEmbedding(
      options.numQueries,
      2 * options.dModel,
      rng.fork('query_embed'),
    );
  }

  /** Backbone, input projection and transformer: every decoder layer's output. */
  decode(inputs: DeformableDetrInputs): DeformableDetrDecoding {
    return tidyObject(() => {
      const features = this.backbone.forward(inputs.images, { training: inputs.training });
      const used = LEVELS.slice(LEVELS.length - this.inputProj.backboneChannels.length);
      const srcs = this.inputProj.apply(used.map((name) => features[name] as tf.Tensor4D));
      const pixelMasks = srcs.map((src) =>
        resizePixelMask(inputs.pixelMask, [src.shape[1], src.shape[2]]),
      );
      const posEmbeds = pixelMasks.map((mask) =>
        sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2, offset: -0.5 }),
      );
      const { hs, referencePoints } = this.transformer.apply({
        srcs,
        pixelMasks,
        posEmbeds,
        queryEmbed: this.queries.embeddings,
        training: inputs.training,
        ...(inputs.rng === undefined ? {} : { rng: inputs.rng }),
      });
      return { hs, referencePoints };
    });
  }

  /** The detector's variables by the official names (not the backbone's). */
  variables(): NamedVariables {
    return collectVariables([
      ['input_proj', this.inputProj],
      ['transformer', this.transformer],
      ['', this.head],
      ['query_embed', this.queries],
    ]);
  }
}
