import type { Backbone, HasVariables, Rng } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { Detections } from './postprocess-detections.js';
import type { ObjectMasks } from './mask-targets.js';

/** One image's objects, in the padded input's pixels. */
export interface DetectionTargets {
  /** `[N, 4]` xyxy. */
  readonly boxes: Float32Array;
  /** `[N]` contiguous classes `1 … K`. */
  readonly labels: Int32Array;
  /** Mask R-CNN: object `i`'s mask is `masks.data[i]`, in the padded input's pixels. */
  readonly masks?: ObjectMasks;
}

/** A padded batch: `[B, H, W, 3]` normalised images, each image's own size at the top left. */
export interface DetectionInput {
  readonly images: tf.Tensor4D;
  /** `[height, width]` of each image inside the padding. */
  readonly imageSizes: readonly (readonly [number, number])[];
}

/**
 * What fine-tuning trains and evaluates: Faster / Mask R-CNN and DETR alike. Losses are named as
 * the reference implementations name them (`loss_classifier`, `loss_ce`, …).
 */
export interface Detector extends HasVariables {
  readonly backbone: Backbone;
  /** Whether training targets need instance masks. */
  readonly needsMasks: boolean;
  losses(
    input: DetectionInput,
    targets: readonly DetectionTargets[],
    rng: Rng,
  ): Record<string, tf.Scalar>;
  /** Detections per image in the padded input's pixels (inference mode). */
  detect(input: DetectionInput): Detections[];
}
