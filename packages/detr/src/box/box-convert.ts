import * as tf from '@tensorflow/tfjs-core';

/**
 * (cx, cy, w, h) → (x0, y0, x1, y1) = (cx − w/2, cy − h/2, cx + w/2, cy + h/2), over the last
 * axis (size 4). Differentiable; DETR `util/box_ops.box_cxcywh_to_xyxy`.
 */
export function cxcywhToXyxy<T extends tf.Tensor>(boxes: T): T {
  return tf.tidy(() => {
    const [cx, cy, w, h] = tf.unstack(boxes, boxes.rank - 1) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const halfW = tf.mul(w, 0.5);
    const halfH = tf.mul(h, 0.5);
    return tf.stack(
      [tf.sub(cx, halfW), tf.sub(cy, halfH), tf.add(cx, halfW), tf.add(cy, halfH)],
      boxes.rank - 1,
    ) as T;
  });
}

/** (x0, y0, x1, y1) → ((x0 + x1)/2, (y0 + y1)/2, x1 − x0, y1 − y0). DETR `box_xyxy_to_cxcywh`. */
export function xyxyToCxcywh<T extends tf.Tensor>(boxes: T): T {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = tf.unstack(boxes, boxes.rank - 1) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return tf.stack(
      [tf.mul(tf.add(x0, x1), 0.5), tf.mul(tf.add(y0, y1), 0.5), tf.sub(x1, x0), tf.sub(y1, y0)],
      boxes.rank - 1,
    ) as T;
  });
}
