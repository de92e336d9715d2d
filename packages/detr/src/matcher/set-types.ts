import type * as tf from '@tensorflow/tfjs-core';

/** One image's ground truth (or pretext targets: patches, proposals). */
export interface SetTarget {
  /** `[T]` class ids; no-object is not a label. */
  readonly labels: ArrayLike<number>;
  /** `[T, 4]` (cx, cy, w, h) normalised to the image size. */
  readonly boxes: tf.Tensor2D;
}

/** One decoder layer's predictions. */
export interface SetPredictions {
  /** `[B, Q, C + 1]` (softmax, last = no-object) or `[B, Q, C]` (sigmoid focal). */
  readonly logits: tf.Tensor3D;
  /** `[B, Q, 4]` cxcywh in [0, 1]. */
  readonly boxes: tf.Tensor3D;
  /** Anything else per query that extra losses need (e.g. `features` `[B, Q, 2048]`). */
  readonly extras?: Readonly<Record<string, tf.Tensor>>;
}

/** The final layer's predictions, with the earlier decoder layers' for auxiliary losses. */
export interface SetOutputs extends SetPredictions {
  /** Decoder layers 0 … L−2, in order. */
  readonly aux?: readonly SetPredictions[];
}

/** One image's matching: prediction `predictions[k]` ↔ target `targets[k]`, predictions ascending. */
export interface Match {
  readonly predictions: Int32Array;
  readonly targets: Int32Array;
}
