import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '@ssdet/core';
import { linearSumAssignment } from './linear-assignment.js';
import { focalClassCost, giouBoxCost, l1BoxCost, softmaxClassCost } from './match-costs.js';
import type { Match, SetPredictions, SetTarget } from './set-types.js';

export interface HungarianMatcherOptions {
  /** Weight of the class cost (DETR 1; Deformable DETR 2). */
  readonly costClass?: number;
  /** Weight of the L1 box cost (5). */
  readonly costBbox?: number;
  /** Weight of the −GIoU cost (2). */
  readonly costGiou?: number;
  /** `softmax` (DETR, −p̂(c)) or `focal` (Deformable DETR). Default softmax. */
  readonly classCost?: 'softmax' | 'focal';
  readonly focalAlpha?: number;
  readonly focalGamma?: number;
}

/**
 * DETR's bipartite matcher (`models/matcher.py`): per image, the optimal one-to-one assignment of
 * predictions to targets under C = w_class·C_class + w_bbox·‖b̂ − b‖₁ + w_giou·(−GIoU(b̂, b)).
 * Runs outside autodiff (reads the predictions' values); returns indices only.
 */
export class HungarianMatcher {
  readonly costClass: number;
  readonly costBbox: number;
  readonly costGiou: number;
  readonly classCost: 'softmax' | 'focal';
  readonly focalAlpha: number;
  readonly focalGamma: number;

  constructor(options: HungarianMatcherOptions = {}) {
    this.costClass = options.costClass ?? 1;
    this.costBbox = options.costBbox ?? 5;
    this.costGiou = options.costGiou ?? 2;
    this.classCost = options.classCost ?? 'softmax';
    this.focalAlpha = options.focalAlpha ?? 0.25;
    this.focalGamma = options.focalGamma ?? 2;
    if (this.costClass === 0 && this.costBbox === 0 && this.costGiou === 0) {
      throw new SsdetError(
        'DETR_MATCHER_COSTS',
        'HungarianMatcher: all costs are 0; at least one weight must be non-zero.',
      );
    }
  }

  /** `[Q, T]` cost matrix of one image (a tensor; the caller disposes it). */
  costMatrix(logits: tf.Tensor2D, boxes: tf.Tensor2D, target: SetTarget): tf.Tensor2D {
    return tf.tidy(() => {
      const classCost =
        this.classCost === 'focal'
          ? focalClassCost(logits, target.labels, this.focalAlpha, this.focalGamma)
          : softmaxClassCost(logits, target.labels);
      return tf.addN([
        tf.mul(classCost, this.costClass),
        tf.mul(l1BoxCost(boxes, target.boxes), this.costBbox),
        tf.mul(giouBoxCost(boxes, target.boxes), this.costGiou),
      ]) as tf.Tensor2D;
    });
  }

  /** One {@link Match} per image of the batch. */
  match(predictions: SetPredictions, targets: readonly SetTarget[]): Match[] {
    const [batch, numQueries] = predictions.logits.shape;
    if (targets.length !== batch) {
      throw new SsdetError(
        'DETR_MATCHER_BATCH',
        `HungarianMatcher: ${batch} images of predictions but ${targets.length} targets.`,
      );
    }
    return targets.map((target, image) => {
      const numTargets = target.labels.length;
      if (target.boxes.shape[0] !== numTargets) {
        throw new SsdetError(
          'DETR_TARGET_SHAPE',
          `HungarianMatcher: target ${image} has ${numTargets} labels but ${target.boxes.shape[0]} boxes.`,
        );
      }
      if (numTargets === 0) return { predictions: new Int32Array(0), targets: new Int32Array(0) };
      const cost = tf.tidy(() => {
        const logits = tf.squeeze(tf.slice(predictions.logits, [image, 0, 0], [1, -1, -1]), [
          0,
        ]) as tf.Tensor2D;
        const boxes = tf.squeeze(tf.slice(predictions.boxes, [image, 0, 0], [1, -1, -1]), [
          0,
        ]) as tf.Tensor2D;
        return this.costMatrix(logits, boxes, target);
      });
      const values = cost.dataSync();
      cost.dispose();
      const assignment = linearSumAssignment(values, numQueries, numTargets);
      return { predictions: assignment.rows, targets: assignment.cols };
    });
  }
}
