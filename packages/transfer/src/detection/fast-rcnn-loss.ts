import * as tf from '@tensorflow/tfjs-core';
import { smoothL1Sum } from './smooth-l1.js';

/**
 * Fast R-CNN's loss, torchvision's `fastrcnn_loss`, over the batch's sampled RoIs:
 *
 *     L_cls = mean_r CE(softmax(s_r), y_r)
 *     L_box = Σ_{r : y_r > 0} smoothL1_{β=1/9}(t̂_r[y_r] − t_r) / R
 *
 * where `t̂_r[y_r]` are the deltas of the RoI's own class and `R` counts every sampled RoI.
 *
 * @param classLogits `[R, K]`.
 * @param boxDeltas `[R, 4K]`.
 * @param labels `[R]` in `0 … K−1`.
 * @param regressionTargets `[R, 4]`.
 */
export function fastRcnnLoss(
  classLogits: tf.Tensor2D,
  boxDeltas: tf.Tensor2D,
  labels: Int32Array,
  regressionTargets: Float32Array,
): { classifier: tf.Scalar; boxRegression: tf.Scalar } {
  return tf.tidy(() => {
    const [roiCount, classCount] = classLogits.shape;
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classCount);
    const classifier = tf.neg(
      tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(classLogits)), 1)),
    ) as tf.Scalar;
    // Each foreground RoI's four deltas of its own class, as a 0/1 selection over [R, 4K].
    const selection = new Float32Array(roiCount * classCount * 4);
    const spreadTargets = new Float32Array(roiCount * classCount * 4);
    for (let r = 0; r < roiCount; r++) {
      const label = labels[r]!;
      if (label <= 0) continue;
      for (let c = 0; c < 4; c++) {
        const column = r * classCount * 4 + label * 4 + c;
        selection[column] = 1;
        spreadTargets[column] = regressionTargets[4 * r + c]!;
      }
    }
    const shape: [number, number] = [roiCount, classCount * 4];
    const mask = tf.tensor2d(selection, shape);
    const boxRegression: tf.Scalar = tf.div(
      smoothL1Sum(tf.mul(boxDeltas, mask), tf.tensor2d(spreadTargets, shape), 1 / 9),
      Math.max(1, roiCount),
    );
    return { classifier, boxRegression };
  });
}
