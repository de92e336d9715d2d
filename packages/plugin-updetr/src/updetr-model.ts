import type { Backbone, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import {
  DetectionHead,
  InputProjection,
  Transformer,
  resizePixelMask,
  sinePositionEmbedding,
  tidyObject,
  type SetOutputs,
  type SetPredictions,
} from '@ssdet/detr';
import { collectVariables, globalAvgPool } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { FeatureAlignHead, PatchQueryHead, type PatchQueryDraw } from './heads.js';
import { queryGroupMask } from './query-groups.js';

export interface UpdetrModelOptions {
  /**
   * Builds the CNN: a registered backbone with FrozenBatchNorm, all frozen (`--fre_cnn`) or
   * layer2–layer4 trained (see plugin.ts).
   */
  readonly createBackbone: (rng: Rng) => Backbone;
  readonly dModel: number;
  readonly numHeads: number;
  readonly dimFeedforward: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly dropout: number;
  readonly preNorm: boolean;
  /**
   * The transformer's weight matrices: `xavierUniform` (default; DETR's `_reset_parameters`, as
   * UP-DETR runs it) or `pytorchDefault` (each module's own init).
   */
  readonly transformerInit?: 'xavierUniform' | 'pytorchDefault';
  readonly numQueries: number;
  readonly numPatches: number;
  /** Object classes without no-object (2). */
  readonly numClasses: number;
  /** Build `feature_align` and return per-query features (`--feature_recon`). */
  readonly featureReconstruction: boolean;
  readonly rng: Rng;
}

export interface UpdetrInputs {
  /** `[B, H, W, 3]` normalised images, zero-padded at the bottom/right to the batch's largest. */
  readonly images: tf.Tensor4D;
  /** `[B, H, W]` 1 = image, 0 = padding. */
  readonly pixelMask: tf.Tensor3D;
  /** `[B·M, S, S, 3]` normalised query patches, image-major. */
  readonly patches: tf.Tensor4D;
  readonly training: boolean;
  /** Dropout stream (transformer dropout). */
  readonly rng?: Rng;
  /** Query dropout and shuffle of this step (none at evaluation). */
  readonly draw?: PatchQueryDraw;
}

export interface UpdetrForward {
  /**
   * The last decoder layer's predictions with the earlier ones as `aux`; each layer carries
   * `extras.features` `[B, Q, C]` (`feature_align`) when feature reconstruction is on.
   */
  readonly outputs: SetOutputs;
  /** `[B·M, C]` the pooled CNN feature of each patch (`gt_feature`). */
  readonly patchFeatures: tf.Tensor2D;
}

/**
 * UP-DETR (`models/updetr.py`): DETR — a ResNet with FrozenBatchNorm, `input_proj`, the
 * transformer with sine positions, `class_embed` and `bbox_embed` — whose decoder queries are
 * the query patches' CNN features ({@link PatchQueryHead}) under a block-diagonal self-attention
 * mask ({@link queryGroupMask}), plus `feature_align` for the reconstruction loss.
 *
 * Variables, as UP-DETR's state dict (the backbone with torchvision's names under `backbone.`):
 * `backbone.*`, `input_proj.*`, `transformer.encoder.*`, `transformer.decoder.*`,
 * `class_embed.*`, `bbox_embed.*`, `query_embed.weight`, `patch2query.*`, `feature_align.*`.
 */
export class UpdetrModel implements HasVariables {
  readonly backbone: Backbone;
  readonly inputProj: InputProjection;
  readonly transformer: Transformer;
  readonly head: DetectionHead;
  readonly patchQuery: PatchQueryHead;
  readonly featureAlign: FeatureAlignHead | undefined;
  /** `[Q, Q]` true = blocked; fixed for the run, as in `UPDETR.__init__`. */
  readonly attentionMask: tf.Tensor2D;
  readonly dModel: number;

  constructor(readonly options: UpdetrModelOptions) {
    const { rng } = options;
    this.dModel = options.dModel;
    this.backbone = options.createBackbone(rng.fork('backbone'));
    const featureDim = this.featureDim;
    this.inputProj = new InputProjection(featureDim, options.dModel, rng.fork('input_proj'));
    this.transformer = new Transformer({
      dModel: options.dModel,
      numHeads: options.numHeads,
      dimFeedforward: options.dimFeedforward,
      dropout: options.dropout,
      normalizeBefore: options.preNorm,
      init: options.transformerInit ?? 'xavierUniform',
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
    this.patchQuery = new PatchQueryHead({
      featureDim,
      dModel: options.dModel,
      numQueries: options.numQueries,
      numPatches: options.numPatches,
      rng: rng.fork('queries'),
    });
    this.featureAlign = options.featureReconstruction
      ? new FeatureAlignHead({ dModel: options.dModel, featureDim, rng: rng.fork('feature_align') })
      : undefined;
    this.attentionMask = queryGroupMask(options.numQueries, options.numPatches);
  }

  /** C, the CNN's output channels (`backbone.num_channels`). */
  get featureDim(): number {
    return this.backbone.levels[this.backbone.levels.length - 1]!.channels;
  }

  /** `[N, S, S, 3]` patches → `[N, C]` global-average-pooled C5 features. */
  encodePatches(patches: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => globalAvgPool(this.c5(patches, training)));
  }

  forward(inputs: UpdetrInputs): UpdetrForward {
    return tidyObject(() => {
      const c5 = this.c5(inputs.images, inputs.training);
      const mask = resizePixelMask(inputs.pixelMask, [c5.shape[1], c5.shape[2]]);
      const pos = sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2 });
      const patchFeatures = this.encodePatches(inputs.patches, inputs.training);
      const queryPos = this.patchQuery.apply(patchFeatures, inputs.draw);
      const { hs } = this.transformer.apply({
        src: this.inputProj.apply(c5),
        pixelMask: mask,
        pos,
        queryPos,
        tgtMask: this.attentionMask,
        training: inputs.training,
        ...(inputs.rng === undefined ? {} : { rng: inputs.rng }),
      });
      return { outputs: this.predict(hs), patchFeatures };
    });
  }

  /** The heads on every decoder layer's output `hs` `[L, B, Q, d]`. */
  predict(hs: tf.Tensor4D): SetOutputs {
    return tidyObject(() => {
      const boxesAndLogits = this.head.apply(hs);
      const featureAlign = this.featureAlign;
      if (featureAlign === undefined) return boxesAndLogits;
      const features = tf.unstack(featureAlign.apply(hs));
      const withFeatures = (layer: SetPredictions, index: number): SetPredictions => ({
        logits: layer.logits,
        boxes: layer.boxes,
        extras: { features: features[index]! },
      });
      const aux = boxesAndLogits.aux ?? [];
      return {
        ...withFeatures(boxesAndLogits, features.length - 1),
        aux: aux.map((layer, i) => withFeatures(layer, i)),
      };
    });
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([['backbone', this.backbone]]),
      ...this.detectorVariables(),
    ]);
  }

  /**
   * Everything but the CNN — what DETR fine-tuning takes from UP-DETR: `input_proj.*`,
   * `transformer.*`, `class_embed.*`, `bbox_embed.*`, `query_embed.weight`, `patch2query.*`,
   * `feature_align.*`.
   */
  detectorVariables(): NamedVariables {
    return new Map([
      ...collectVariables([
        ['input_proj', this.inputProj],
        ['transformer', this.transformer],
      ]),
      ...this.head.variables(),
      ...this.patchQuery.variables(),
      ...(this.featureAlign === undefined
        ? []
        : collectVariables([['feature_align', this.featureAlign]])),
    ]);
  }

  private c5(images: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const maps = this.backbone.forward(images, { training });
    const name = this.backbone.levels[this.backbone.levels.length - 1]!.name;
    return maps[name] as tf.Tensor4D;
  }
}
