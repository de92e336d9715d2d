import * as tf from '@tensorflow/tfjs-core';

/**
 * Sigmoid focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017) as
 * Deformable DETR uses it for classification, summed over every query and class and divided by
 * the number of target boxes:
 *   L = Σ α_t (1 − p_t)^γ · BCE(z, t) / numBoxes, p_t = p·t + (1 − p)(1 − t),
 *   α_t = α·t + (1 − α)(1 − t), p = σ(z).
 * (Deformable DETR's `sigmoid_focal_loss(…).mean(1).sum() / num_boxes · Q` is the same sum.)
 *
 * @param logits any shape; `targets` the same shape in {0, 1}.
 */
export function sigmoidFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  numBoxes: number,
  alpha = 0.25,
  gamma = 2,
): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    // BCE with logits, stably: max(z, 0) − z·t + log(1 + e^{−|z|}).
    const bce = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    const pT = tf.add(tf.mul(p, targets), tf.mul(tf.sub(1, p), tf.sub(1, targets)));
    let loss = tf.mul(bce, tf.pow(tf.sub(1, pT), gamma));
    if (alpha >= 0) {
      const alphaT = tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha));
      loss = tf.mul(alphaT, loss);
    }
    return tf.div(tf.sum(loss), numBoxes) as tf.Scalar;
  });
}
