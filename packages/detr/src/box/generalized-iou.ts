import * as tf from '@tensorflow/tfjs-core';
import { boxArea } from './box-area.js';
import { pairwiseBoxIou } from './box-iou.js';

/**
 * Pairwise generalised IoU (Rezatofighi et al., CVPR 2019) of xyxy boxes `[N, 4]` × `[M, 4]`:
 * GIoU = IoU − (|C| − |A∪B|) / |C|, with C the smallest box enclosing A and B. In [−1, 1].
 * Differentiable; DETR `util/box_ops.generalized_box_iou`. Boxes must have x1 ≥ x0, y1 ≥ y0
 * (DETR asserts it; degenerate boxes give NaN, as there).
 */
export function generalizedBoxIou(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const { iou, union } = pairwiseBoxIou(a, b);
    const aExp = tf.expandDims(a, 1);
    const bExp = tf.expandDims(b, 0);
    const topLeft = tf.minimum(
      tf.slice(aExp, [0, 0, 0], [-1, -1, 2]),
      tf.slice(bExp, [0, 0, 0], [-1, -1, 2]),
    );
    const bottomRight = tf.maximum(
      tf.slice(aExp, [0, 0, 2], [-1, -1, 2]),
      tf.slice(bExp, [0, 0, 2], [-1, -1, 2]),
    );
    const wh = tf.relu(tf.sub(bottomRight, topLeft));
    const [w, h] = tf.unstack(wh, 2) as [tf.Tensor, tf.Tensor];
    const enclosing = tf.mul(w, h);
    return tf.sub(iou, tf.div(tf.sub(enclosing, union), enclosing)) as tf.Tensor2D;
  });
}

/**
 * Generalised IoU of corresponding rows of two xyxy box sets `[N, 4]` → `[N]`: the diagonal of
 * {@link generalizedBoxIou} without building the N×N matrix (what DETR's GIoU loss uses).
 */
export function pairedGeneralizedBoxIou(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [ax0, ay0, ax1, ay1] = tf.unstack(a, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [bx0, by0, bx1, by1] = tf.unstack(b, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const interW = tf.relu(tf.sub(tf.minimum(ax1, bx1), tf.maximum(ax0, bx0)));
    const interH = tf.relu(tf.sub(tf.minimum(ay1, by1), tf.maximum(ay0, by0)));
    const intersection = tf.mul(interW, interH);
    const union = tf.sub(tf.add(boxArea(a), boxArea(b)), intersection);
    const iou = tf.div(intersection, union);
    const hullW = tf.relu(tf.sub(tf.maximum(ax1, bx1), tf.minimum(ax0, bx0)));
    const hullH = tf.relu(tf.sub(tf.maximum(ay1, by1), tf.minimum(ay0, by0)));
    const enclosing = tf.mul(hullW, hullH);
    return tf.sub(iou, tf.div(tf.sub(enclosing, union), enclosing)) as tf.Tensor1D;
  });
}
