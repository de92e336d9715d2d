import * as tf from '@tensorflow/tfjs-core';
import { boxArea } from './box-area.js';

/** IoU and union of every pair of two box sets. */
export interface PairwiseIou {
  /** `[N, M]` |A∩B| / |A∪B|. */
  readonly iou: tf.Tensor2D;
  /** `[N, M]` |A∪B| = |A| + |B| − |A∩B|. */
  readonly union: tf.Tensor2D;
}

/**
 * Pairwise IoU of xyxy boxes `a` `[N, 4]` and `b` `[M, 4]`:
 * inter = max(0, min(x1) − max(x0)) · max(0, min(y1) − max(y0)), IoU = inter / union.
 * Differentiable; DETR `util/box_ops.box_iou` (which also returns the union, for GIoU).
 */
export function pairwiseBoxIou(a: tf.Tensor2D, b: tf.Tensor2D): PairwiseIou {
  return tf.tidy(() => {
    const areaA = tf.expandDims(boxArea(a), 1);
    const areaB = tf.expandDims(boxArea(b), 0);
    const aExp = tf.expandDims(a, 1);
    const bExp = tf.expandDims(b, 0);
    const topLeft = tf.maximum(
      tf.slice(aExp, [0, 0, 0], [-1, -1, 2]),
      tf.slice(bExp, [0, 0, 0], [-1, -1, 2]),
    );
    const bottomRight = tf.minimum(
      tf.slice(aExp, [0, 0, 2], [-1, -1, 2]),
      tf.slice(bExp, [0, 0, 2], [-1, -1, 2]),
    );
    const wh = tf.relu(tf.sub(bottomRight, topLeft));
    const [w, h] = tf.unstack(wh, 2) as [tf.Tensor, tf.Tensor];
    const intersection = tf.mul(w, h);
    const union = tf.sub(tf.add(areaA, areaB), intersection) as tf.Tensor2D;
    return { iou: tf.div(intersection, union) as tf.Tensor2D, union };
  });
}
