import type * as tf from '@tensorflow/tfjs-core';
import type { Match, SetPredictions, SetTarget } from '../matcher/set-types.js';

/** What a {@link MatchedLoss} sees for one decoder layer. */
export interface MatchedLossContext<T extends SetTarget = SetTarget> {
  readonly predictions: SetPredictions;
  readonly targets: readonly T[];
  readonly matches: readonly Match[];
  /** Target boxes in the batch, clamped at 1 (the criterion's normaliser). */
  readonly numBoxes: number;
  /** Decoder layer index for auxiliary layers; undefined for the final layer. */
  readonly auxLayer: number | undefined;
  /** Rows of a per-query tensor `[B, Q, …]` for the matched queries, `[N, …]`, images in order. */
  gatherPredictions(perQuery: tf.Tensor): tf.Tensor;
  /** Rows of per-target tensors (one `[T_b, …]` per image) in the same matched order, `[N, …]`. */
  gatherTargets(perTarget: (target: T, image: number) => tf.Tensor): tf.Tensor;
}

/**
 * A loss on matched (prediction, target) pairs that a plugin adds to the {@link SetCriterion},
 * e.g. UP-DETR's feature reconstruction or DETReg's embedding regression. Its value is
 * reported under `name` (with `_{i}` for auxiliary layer i) and enters the total × `weight`.
 */
export interface MatchedLoss<T extends SetTarget = SetTarget> {
  readonly name: string;
  readonly weight: number;
  /** Also apply to auxiliary decoder layers (UP-DETR: yes; DETReg's embedding loss: no). Default true. */
  readonly auxiliary?: boolean;
  compute(context: MatchedLossContext<T>): tf.Scalar;
}
