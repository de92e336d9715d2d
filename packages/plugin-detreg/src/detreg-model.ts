import type { Backbone, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import {
  DeformableDetrModel,
  DetectionHead,
  FeatureEmbedHead,
  InputProjection,
  QueryEmbedding,
  Transformer,
  resizePixelMask,
  sinePositionEmbedding,
  tidyObject,
  type SetOutputs,
} from '@ssdet/detr';
import { collectVariables } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/** The images of one step, DETR's `NestedTensor`. */
export interface DetregInputs {
  /** `[B, H, W, 3]` normalised images, zero-padded at the bottom/right to the batch's largest. */
  readonly images: tf.Tensor4D;
  /** `[B, H, W]` 1 = image, 0 = padding. */
  readonly pixelMask: tf.Tensor3D;
  readonly training: boolean;
  /** Dropout stream. */
  readonly rng?: Rng;
}

/** What DETReg builds either detector from. */
export interface DetregModelOptions {
  /** The frozen CNN (FrozenBatchNorm2d, every stage frozen; see plugin.ts). */
  readonly backbone: Backbone;
  readonly dModel: number;
  readonly numHeads: number;
  readonly dimFeedforward: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly dropout: number;
  readonly numQueries: number;
  /** Class logits: numClasses (sigmoid, Deformable DETR) or numClasses + 1 (softmax, DETR). */
  readonly numClasses: number;
  /** E, the teacher's embedding size (`feature_embed`'s output). */
  readonly embeddingDim: number;
  readonly rng: Rng;
}

/**
 * A detector DETReg pre-trains: its predictions on every decoder layer, the last one carrying
 * `extras.features` `[B, Q, E]` = `feature_embed(h_L)` (the auxiliary layers carry none, as
 * officially).
 */
export interface DetregModel extends HasVariables {
  readonly backbone: Backbone;
  readonly featureEmbed: FeatureEmbedHead;
  forward(inputs: DetregInputs): SetOutputs;
  /** Everything but the CNN: what `ssdet finetune` takes, by the official state-dict names. */
  detectorVariables(): NamedVariables;
}

/** Adds `feature_embed(h_last)` to the final layer's predictions. */
function withEmbeddings(outputs: SetOutputs, hs: tf.Tensor4D, head: FeatureEmbedHead): SetOutputs {
  return { ...outputs, extras: { features: head.applyToLastLayer(hs) } };
}

/**
 * Deformable DETR as DETReg builds it (`models/deformable_detr.py`, no box refinement, no
 * two-stage): C3–C5 of the frozen CNN and a stride-2 level through `input_proj` (Conv + GroupNorm,
 * Xavier), sine positions (offset −½) + level embeddings, multi-scale deformable attention with
 * `numLevels` levels and `numPoints` points, `query_embed` `[Q, 2d]` (query_pos ‖ tgt) with
 * reference points, `class_embed` (bias −log 99) and `bbox_embed` (last layer 0, its h/w bias −2)
 * shared across layers, boxes σ(bbox_embed(h) + [σ⁻¹(ref), 0, 0]), plus `feature_embed`.
 *
 * Variables: `backbone.*`, `input_proj.*`, `transformer.*`, `class_embed.*`, `bbox_embed.*`,
 * `query_embed.weight`, `feature_embed.*` — the names `ssdet finetune --detector deformable-detr`
 * loads (see `DeformableDetrDetector`).
 */
export class DeformableDetregModel extends DeformableDetrModel implements DetregModel {
  readonly featureEmbed: FeatureEmbedHead;

  constructor(
    options: DetregModelOptions & { readonly numLevels: number; readonly numPoints: number },
  ) {
    super(options);
    this.featureEmbed = new FeatureEmbedHead({
      dModel: options.dModel,
      embeddingDim: options.embeddingDim,
      rng: options.rng.fork('feature_embed'),
    });
  }

  forward(inputs: DetregInputs): SetOutputs {
    return tidyObject(() => {
      const { hs, referencePoints } = this.decode(inputs);
      return this.predict(hs, referencePoints);
    });
  }

  /** The heads on every decoder layer's output `hs` `[L, B, Q, d]` with the reference points. */
  predict(hs: tf.Tensor4D, referencePoints: tf.Tensor3D): SetOutputs {
    return tidyObject(() =>
      withEmbeddings(this.head.apply(hs, referencePoints), hs, this.featureEmbed),
    );
  }

  override variables(): NamedVariables {
    return new Map([
      ...collectVariables([['backbone', this.backbone]]),
      ...this.detectorVariables(),
    ]);
  }

  detectorVariables(): NamedVariables {
    return new Map([
      ...super.variables(),
      ...collectVariables([['feature_embed', this.featureEmbed]]),
    ]);
  }
}

/**
 * DETR as DETReg's `--model detr` builds it (`models/detr.py`): C5 of the frozen CNN through
 * `input_proj` (Conv 1×1), sine positions, DETR's transformer (pre-norm with `--pre_norm`),
 * `query_embed` `[Q, d]`, `class_embed` (numClasses + 1 softmax logits), `bbox_embed`, plus
 * `feature_embed`. Variables as `DetrDetector` names them, plus `feature_embed.*`.
 */
export class DetrDetregModel implements DetregModel {
  readonly backbone: Backbone;
  readonly inputProj: InputProjection;
  readonly transformer: Transformer;
  readonly head: DetectionHead;
  readonly queries: QueryEmbedding;
  readonly featureEmbed: FeatureEmbedHead;
  readonly dModel: number;

  constructor(options: DetregModelOptions & { readonly preNorm: boolean }) {
    const { rng, backbone } = options;
    this.backbone = backbone;
    this.dModel = options.dModel;
    const c5 = backbone.levels.find((level) => level.name === 'C5')!;
    this.inputProj = new InputProjection(c5.channels, options.dModel, rng.fork('input_proj'));
    this.transformer = new Transformer({
      dModel: options.dModel,
      numHeads: options.numHeads,
      dimFeedforward: options.dimFeedforward,
      dropout: options.dropout,
      normalizeBefore: options.preNorm,
      numEncoderLayers: options.encoderLayers,
      numDecoderLayers: options.decoderLayers,
      returnIntermediate: true,
      rng: rng.fork('transformer'),
    });
    this.head = new DetectionHead({
      dModel: options.dModel,
      numLogits: options.numClasses + 1,
      rng: rng.fork('heads'),
    });
    this.queries = new QueryEmbedding(options.numQueries, options.dModel, rng.fork('query_embed'));
    this.featureEmbed = new FeatureEmbedHead({
      dModel: options.dModel,
      embeddingDim: options.embeddingDim,
      rng: rng.fork('feature_embed'),
    });
  }

  forward(inputs: DetregInputs): SetOutputs {
    return tidyObject(() => {
      const c5 = this.backbone.forward(inputs.images, { training: inputs.training })[
        'C5'
      ] as tf.Tensor4D;
      const mask = resizePixelMask(inputs.pixelMask, [c5.shape[1], c5.shape[2]]);
      const { hs } = this.transformer.apply({
        src: this.inputProj.apply(c5),
        pixelMask: mask,
        pos: sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2 }),
        queryPos: this.queries.embeddings,
        training: inputs.training,
        ...(inputs.rng === undefined ? {} : { rng: inputs.rng }),
      });
      return this.predict(hs);
    });
  }

  /** The heads on every decoder layer's output `hs` `[L, B, Q, d]`. */
  predict(hs: tf.Tensor4D): SetOutputs {
    return tidyObject(() => withEmbeddings(this.head.apply(hs), hs, this.featureEmbed));
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([['backbone', this.backbone]]),
      ...this.detectorVariables(),
    ]);
  }

  detectorVariables(): NamedVariables {
    return collectVariables([
      ['input_proj', this.inputProj],
      ['transformer', this.transformer],
      ['', this.head],
      ['query_embed', this.queries],
      ['feature_embed', this.featureEmbed],
    ]);
  }
}
