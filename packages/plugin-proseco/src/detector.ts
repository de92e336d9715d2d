import type { NamedVariables, Rng } from '@ssdet/core';
import {
  DeformableDetrModel,
  FeatureEmbedHead,
  tidyObject,
  type DeformableDetrModelOptions,
  type SetOutputs,
} from '@ssdet/detr';
import { collectVariables } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/** The images of one view, DETR's `NestedTensor`. */
export interface DetectorInputs {
  /** `[B, H, W, 3]` normalised images, zero-padded at the bottom/right to the batch's largest. */
  readonly images: tf.Tensor4D;
  /** `[B, H, W]` 1 = image, 0 = padding. */
  readonly pixelMask: tf.Tensor3D;
  /** Dropout on (student) or off (teacher). */
  readonly training: boolean;
  /** Dropout stream. */
  readonly rng?: Rng;
}

/** Deformable DETR's arguments on the fixed CNN (shared by student and teacher), plus E. */
export interface ProsecoDetectorOptions extends DeformableDetrModelOptions {
  /** E, the object embedding's size. */
  readonly embeddingDim: number;
}

/**
 * One copy of the detector ProSeCo pre-trains (the student, or its EMA the teacher): Deformable
 * DETR without box refinement or two-stage on C3–C5 of the shared fixed CNN and a stride-2 level
 * (`input_proj`: Conv + GroupNorm), sine positions (offset −½) + level embeddings, multi-scale
 * deformable attention, `query_embed` `[Q, 2d]`, `class_embed` (bias −log 99) and `bbox_embed`
 * (Deformable DETR's init) shared across layers, boxes σ(bbox_embed(h) + [σ⁻¹(ref), 0, 0]) — plus
 * the object-embedding head on the last layer (`extras.features` `[B, Q, E]`).
 *
 * `variables()` is the detector only — `input_proj.*`, `transformer.*`, `class_embed.*`,
 * `bbox_embed.*`, `query_embed.weight`, `feature_embed.*`, the names `ssdet finetune --detector
 * deformable-detr` loads — never the shared CNN, so the EMA pairs the detectors alone.
 */
export class ProsecoDetector extends DeformableDetrModel {
  readonly featureEmbed: FeatureEmbedHead;

  constructor(options: ProsecoDetectorOptions) {
    super(options);
    this.featureEmbed = new FeatureEmbedHead({
      dModel: options.dModel,
      embeddingDim: options.embeddingDim,
      rng: options.rng.fork('feature_embed'),
    });
  }

  /** Predictions on every decoder layer; the last carries `extras.features`. */
  forward(inputs: DetectorInputs): SetOutputs {
    return tidyObject(() => {
      const { hs, referencePoints } = this.decode(inputs);
      return this.predict(hs, referencePoints);
    });
  }

  /** The heads on every decoder layer's output `hs` `[L, B, Q, d]` with the reference points. */
  predict(hs: tf.Tensor4D, referencePoints: tf.Tensor3D): SetOutputs {
    return tidyObject(() => {
      const outputs = this.head.apply(hs, referencePoints);
      return { ...outputs, extras: { features: this.featureEmbed.applyToLastLayer(hs) } };
    });
  }

  override variables(): NamedVariables {
    return new Map([
      ...super.variables(),
      ...collectVariables([['feature_embed', this.featureEmbed]]),
    ]);
  }
}
