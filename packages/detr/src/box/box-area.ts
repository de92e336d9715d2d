import * as tf from '@tensorflow/tfjs-core';

/** Area (x1 − x0)·(y1 − y0) of xyxy boxes `[..., 4]` → `[...]`. Not clamped, as torchvision's. */
export function boxArea(boxes: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = tf.unstack(boxes, boxes.rank - 1) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return tf.mul(tf.sub(x1, x0), tf.sub(y1, y0));
  });
}
