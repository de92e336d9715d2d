import type { Backbone, FeatureMaps, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import {
  DeformableTransformer,
  DetectionHead,
  InputProjection,
  MultiLevelInputProjection,
  Transformer,
  resizePixelMask,
  sinePositionEmbedding,
  type SetOutputs,
  type SetPredictions,
} from '@ssdet/detr';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import {
  FeatureAlignHead,
  GlobalDiscriminationHead,
  RegionQueryHead,
  type QueryLevel,
} from './heads.js';

/** What either detector variant is built from. */
export interface SiameseDetrModelOptions {
  /** The frozen CNN (FrozenBatchNorm, every stage frozen). */
  readonly backbone: Backbone;
  readonly dModel: number;
  readonly numHeads: number;
  readonly dimFeedforward: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly dropout: number;
  readonly numQueries: number;
  readonly numPatches: number;
  readonly globalHidden: number;
  readonly globalOut: number;
  readonly rng: Rng;
}

/** One direction of the Siamese decoding: queries of one view decoded against the other. */
export interface DecodeInputs {
  /** The other view's CNN feature maps. */
  readonly features: FeatureMaps;
  /** `[B, H, W]` the other view's pixel mask (1 = image). */
  readonly pixelMask: tf.Tensor3D;
  /** `[B, Q, d]` the query view's region queries ({@link RegionQueryHead}). */
  readonly queryPos: tf.Tensor3D;
  readonly training: boolean;
  readonly rng?: Rng;
}

export interface DecodeOutput {
  /** Every decoder layer's predictions, each with `extras.features` `[B, Q, C]` (`feature_align`). */
  readonly outputs: SetOutputs;
  /** `[B, d]` (vanilla) or `[B, 3d]` (multi-scale) average-pooled encoder memory of the other view. */
  readonly pooledMemory: tf.Tensor2D;
}

/** The Siamese DETR network of either detector. */
export interface SiameseDetrModel extends HasVariables {
  readonly backbone: Backbone;
  readonly regionQuery: RegionQueryHead;
  readonly featureAlign: FeatureAlignHead;
  readonly globalHead: GlobalDiscriminationHead;
  /** The CNN levels RoIAlign reads (C5; or C3, C4, C5), with their strides. */
  queryLevels(features: FeatureMaps): QueryLevel[];
  /** `[N, S, S, 3]` crops → `[N, C]` pooled CNN features, levels concatenated. */
  cropFeatures(crops: tf.Tensor4D): tf.Tensor2D;
  decode(inputs: DecodeInputs): DecodeOutput;
  predict(hs: tf.Tensor4D, referencePoints?: tf.Tensor3D): SetOutputs;
  /** Everything but the CNN, named for `ssdet finetune`. */
  detectorVariables(): NamedVariables;
  /** The `detector` artifact: what DETR / Deformable DETR fine-tuning loads. */
  exportDetector(): NamedVariables;
  dispose(): void;
}

/** Shared parts of both variants: CNN levels, query injection, heads, global head. */
abstract class SiameseDetrBase {
  readonly backbone: Backbone;
  readonly regionQuery: RegionQueryHead;
  readonly head: DetectionHead;
  readonly featureAlign: FeatureAlignHead;
  readonly globalHead: GlobalDiscriminationHead;
  readonly dModel: number;

  constructor(
    options: SiameseDetrModelOptions,
    readonly levelNames: readonly string[],
    globalInDim: number,
    queryEmbeddingDim: number,
  ) {
    const { rng, backbone } = options;
    this.backbone = backbone;
    this.dModel = options.dModel;
    const featureDim = this.levelNames
      .map((name) => backbone.levels.find((level) => level.name === name)!.channels)
      .reduce((a, b) => a + b, 0);
    this.regionQuery = new RegionQueryHead({
      featureDim,
      dModel: options.dModel,
      numQueries: options.numQueries,
      numPatches: options.numPatches,
      embeddingDim: queryEmbeddingDim,
      rng: rng.fork('queries'),
    });
    // `SiameseDETRPredictHead`: class_embed Linear(d, 3) and bbox_embed MLP(d, d, 4, 3), PyTorch's
    // default init for both detectors (no Deformable DETR bias init).
    this.head = new DetectionHead({ dModel: options.dModel, numLogits: 3, rng: rng.fork('heads') });
    this.featureAlign = new FeatureAlignHead({
      dModel: options.dModel,
      featureDim,
      rng: rng.fork('feature_align'),
    });
    this.globalHead = new GlobalDiscriminationHead({
      inDim: globalInDim,
      hiddenDim: options.globalHidden,
      outDim: options.globalOut,
      rng: rng.fork('global_head'),
    });
  }

  queryLevels(features: FeatureMaps): QueryLevel[] {
    return this.levelNames.map((name) => ({
      features: features[name] as tf.Tensor4D,
      stride: this.backbone.levels.find((level) => level.name === name)!.stride,
    }));
  }

  cropFeatures(crops: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const maps = this.backbone.forward(crops, { training: false });
      const pooled = this.levelNames.map((name) => tf.mean(maps[name] as tf.Tensor4D, [1, 2]));
      return (pooled.length === 1 ? pooled[0]! : tf.concat(pooled, 1)) as tf.Tensor2D;
    });
  }

  /**
   * The heads on every decoder layer's output `hs` `[L, B, Q, d]` (with Deformable DETR's
   * reference points `[B, Q, 2]`): class and box predictions plus `extras.features` (`feature_align`).
   */
  predict(hs: tf.Tensor4D, referencePoints?: tf.Tensor3D): SetOutputs {
    return tf.tidy(() => {
      const boxesAndLogits = this.head.apply(hs, referencePoints);
      const layers = hs.shape[0];
      const features = Array.from({ length: layers }, (_, l) =>
        this.featureAlign.apply(
          tf.squeeze(tf.slice(hs, [l, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D,
        ),
      );
      const withFeatures = (layer: SetPredictions, index: number): SetPredictions => ({
        logits: layer.logits,
        boxes: layer.boxes,
        extras: { features: features[index]! },
      });
      const aux = boxesAndLogits.aux ?? [];
      return {
        ...withFeatures(boxesAndLogits, layers - 1),
        aux: aux.map((layer, i) => withFeatures(layer, i)),
      } as unknown as tf.TensorContainer;
    }) as unknown as SetOutputs;
  }

  protected sharedVariables(): NamedVariables {
    return new Map([
      ...this.head.variables(),
      ...this.regionQuery.variables(),
      ...collectVariables([
        ['feature_align', this.featureAlign],
        ['global_head', this.globalHead],
      ]),
    ]);
  }
}

/**
 * Siamese DETR on vanilla DETR (`VanillaTR`): C5 of the frozen CNN through `input_proj`
 * (Conv 1×1), sine positions, DETR's transformer (post-norm by default), the region queries as
 * `query_pos` with tgt = 0. Variables: `backbone.*`, `input_proj.*`, `transformer.*`,
 * `class_embed.*`, `bbox_embed.*`, `query_embed.weight`, `patch2query.*`, `feature_align.*`,
 * `global_head.*` — the DETR names `ssdet finetune --detector detr` loads.
 */
export class DetrSiameseModel extends SiameseDetrBase implements SiameseDetrModel {
  readonly inputProj: InputProjection;
  readonly transformer: Transformer;

  constructor(options: SiameseDetrModelOptions & { readonly preNorm: boolean }) {
    super(options, ['C5'], options.dModel, options.dModel);
    const c5 = options.backbone.levels.find((level) => level.name === 'C5')!;
    this.inputProj = new InputProjection(
      c5.channels,
      options.dModel,
      options.rng.fork('input_proj'),
    );
    this.transformer = new Transformer({
      dModel: options.dModel,
      numHeads: options.numHeads,
      dimFeedforward: options.dimFeedforward,
      dropout: options.dropout,
      normalizeBefore: options.preNorm,
      numEncoderLayers: options.encoderLayers,
      numDecoderLayers: options.decoderLayers,
      returnIntermediate: true,
      rng: options.rng.fork('transformer'),
    });
  }

  decode(inputs: DecodeInputs): DecodeOutput {
    return tf.tidy(() => {
      const c5 = inputs.features['C5'] as tf.Tensor4D;
      const mask = resizePixelMask(inputs.pixelMask, [c5.shape[1], c5.shape[2]]);
      const { hs, memory } = this.transformer.apply({
        src: this.inputProj.apply(c5),
        pixelMask: mask,
        pos: sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2 }),
        queryPos: inputs.queryPos,
        training: inputs.training,
        ...(inputs.rng === undefined ? {} : { rng: inputs.rng }),
      });
      // AdaptiveAvgPool2d over the whole memory map, padding included (as officially).
      const pooledMemory = tf.mean(memory, [1, 2]) as tf.Tensor2D;
      return { outputs: this.predict(hs), pooledMemory } as unknown as tf.TensorContainer;
    }) as unknown as DecodeOutput;
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([['backbone', this.backbone]]),
      ...this.detectorVariables(),
    ]);
  }

  detectorVariables(): NamedVariables {
    return new Map([
      ...collectVariables([
        ['input_proj', this.inputProj],
        ['transformer', this.transformer],
      ]),
      ...this.sharedVariables(),
    ]);
  }

  exportDetector(): NamedVariables {
    return this.detectorVariables();
  }

  dispose(): void {
    tf.dispose([...this.variables().values()]);
  }
}

/**
 * Siamese DETR on multi-scale Deformable DETR (`DeformableTR`, no refinement, no two-stage):
 * C3–C5 and a stride-2 level through `input_proj` (Conv + GroupNorm), the region queries (RoIAlign
 * on strides 8/16/32, concatenated) as `query_pos`, a learned `tgt_embed` `[Q, d]` as the decoder's
 * input, reference points σ(Linear(query_pos)); class/box heads with the reference added.
 *
 * Variables as the vanilla variant, but `query_embed.weight` is `[Q, 2d]` as Deformable DETR's:
 * its first half is the official `query_embed` (added to the region features, the query_pos), its
 * second the official `transformer.tgt_embed` (the decoder's input) — so `ssdet finetune
 * --detector deformable-detr` loads both where Deformable DETR reads them.
 */
export class DeformableSiameseModel extends SiameseDetrBase implements SiameseDetrModel {
  readonly inputProj: MultiLevelInputProjection;
  readonly transformer: DeformableTransformer;
  private readonly queriesFromFirstImage: boolean;

  constructor(
    options: SiameseDetrModelOptions & {
      readonly numLevels: number;
      readonly numPoints: number;
      /** `first-image`: every image decodes image 0's queries (the official `query_embed[:, 0]`). */
      readonly queriesFromFirstImage: boolean;
    },
  ) {
    const names = ['C3', 'C4', 'C5'].slice(Math.max(0, 3 - options.numLevels));
    super(options, names, names.length * options.dModel, 2 * options.dModel);
    this.inputProj = new MultiLevelInputProjection({
      backboneChannels: names.map(
        (name) => options.backbone.levels.find((level) => level.name === name)!.channels,
      ),
      dModel: options.dModel,
      numLevels: options.numLevels,
      rng: options.rng.fork('input_proj'),
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
      rng: options.rng.fork('transformer'),
    });
    this.queriesFromFirstImage = options.queriesFromFirstImage;
  }

  decode(inputs: DecodeInputs): DecodeOutput {
    return tf.tidy(() => {
      const srcs = this.inputProj.apply(
        this.levelNames.map((name) => inputs.features[name] as tf.Tensor4D),
      );
      const pixelMasks = srcs.map((src) =>
        resizePixelMask(inputs.pixelMask, [src.shape[1], src.shape[2]]),
      );
      // SiameseDETR's `PositionEmbeddingSine(normalize=True)` is DETR's for every variant: no −½
      // offset (Deformable DETR's own has one).
      const posEmbeds = pixelMasks.map((mask) =>
        sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2 }),
      );
      const [batch, numQueries, d] = inputs.queryPos.shape;
      const queryPos = this.queriesFromFirstImage
        ? tf.broadcastTo(tf.slice(inputs.queryPos, [0, 0, 0], [1, -1, -1]), [batch, numQueries, d])
        : inputs.queryPos;
      // The second half of query_embed: the decoder's input (the official `tgt_embed`).
      const tgtEmbed = tf.slice(this.regionQuery.queryEmbed.embeddings, [0, d], [-1, d]);
      const tgt = tf.broadcastTo(tf.expandDims(tgtEmbed, 0), [batch, numQueries, d]);
      const { hs, referencePoints, memory, spatialShapes } = this.transformer.apply({
        srcs,
        pixelMasks,
        posEmbeds,
        queryEmbed: tf.concat([queryPos, tgt], 2),
        training: inputs.training,
        ...(inputs.rng === undefined ? {} : { rng: inputs.rng }),
      });
      // NonLinearNeckV3 with a list: the first three memory levels, each average-pooled, concatenated.
      let start = 0;
      const pooled: tf.Tensor2D[] = [];
      spatialShapes.forEach(([h, w], level) => {
        if (level < this.levelNames.length) {
          pooled.push(tf.mean(tf.slice(memory, [0, start, 0], [-1, h * w, -1]), 1) as tf.Tensor2D);
        }
        start += h * w;
      });
      const pooledMemory = (pooled.length === 1 ? pooled[0]! : tf.concat(pooled, 1)) as tf.Tensor2D;
      return {
        outputs: this.predict(hs, referencePoints),
        pooledMemory,
      } as unknown as tf.TensorContainer;
    }) as unknown as DecodeOutput;
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([['backbone', this.backbone]]),
      ...this.detectorVariables(),
    ]);
  }

  detectorVariables(): NamedVariables {
    return new Map([
      ...collectVariables([
        ['input_proj', this.inputProj],
        ['transformer', this.transformer],
      ]),
      ...this.sharedVariables(),
    ]);
  }

  exportDetector(): NamedVariables {
    return this.detectorVariables();
  }

  dispose(): void {
    tf.dispose([...this.variables().values()]);
  }
}
