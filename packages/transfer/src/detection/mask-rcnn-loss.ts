import * as tf from '@tensorflow/tfjs-core';
import { binaryCrossEntropyWithLogits } from './rpn-loss.js';

/**
 * Mask R-CNN's mask loss, torchvision's `maskrcnn_loss`, over the foreground RoIs:
 *
 *     L_mask = mean over RoIs r and pixels p of BCE-with-logits(m_r[y_r](p), t_r(p))
 *
 * where `m_r[y_r]` is the RoI's logit map of its own class and `t_r` its projected target
 * ({@link projectMasksOnBoxes}). Without foreground RoIs the loss is 0 (still connected to the
 * logits, as torchvision's `mask_logits.sum() * 0`).
 *
 * @param maskLogits `[R, M, M, K]`.
 * @param labels `[R]` classes in `1 … K−1`.
 * @param targets `[R, M, M]`.
 */
export function maskRcnnLoss(
  maskLogits: tf.Tensor4D,
  labels: Int32Array,
  targets: tf.Tensor3D,
): tf.Scalar {
  return tf.tidy(() => {
    const [rois, , , classes] = maskLogits.shape;
    if (rois === 0) return tf.mul(tf.sum(maskLogits), 0) as tf.Scalar;
    const selection = tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), [
      rois,
      1,
      1,
      classes,
    ]);
    const own = tf.sum(tf.mul(maskLogits, selection), 3);
    return binaryCrossEntropyWithLogits(own, targets);
  });
}
