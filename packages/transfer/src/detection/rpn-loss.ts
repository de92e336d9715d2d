import * as tf from '@tensorflow/tfjs-core';
import { smoothL1Sum } from './smooth-l1.js';

/** The anchors one RPN loss is computed on, as indices into the batch's concatenated anchors. */
export interface RpnLossTargets {
  /** `[total anchors]` 1 / 0 / −1, image after image. */
  readonly labels: Float32Array;
  /** `[total anchors, 4]` regression targets, image after image. */
  readonly regressionTargets: Float32Array;
  /** Sampled foreground anchors (global indices). */
  readonly positive: Int32Array;
  /** Sampled background anchors (global indices). */
  readonly negative: Int32Array;
}

/**
 * Faster R-CNN's RPN loss, torchvision's `RegionProposalNetwork.compute_loss`:
 *
 *     L_obj = mean over sampled anchors of BCE-with-logits(o_a, y_a)
 *     L_box = Σ_{sampled positives} smoothL1_{β=1/9}(t̂_a − t_a) / (number of sampled anchors)
 *
 * `objectness` is `[total anchors]` and `deltas` `[total anchors, 4]`, in the anchors' order.
 */
export function rpnLoss(
  objectness: tf.Tensor1D,
  deltas: tf.Tensor2D,
  targets: RpnLossTargets,
): { objectness: tf.Scalar; boxRegression: tf.Scalar } {
  return tf.tidy(() => {
    const sampled = Int32Array.from([...targets.positive, ...targets.negative]);
    const sampledCount = Math.max(1, sampled.length);
    const positiveIndex = tf.tensor1d(targets.positive, 'int32');
    const positiveTargets = tf.tensor2d(gatherRows(targets.regressionTargets, targets.positive), [
      targets.positive.length,
      4,
    ]);
    const boxRegression: tf.Scalar = tf.div(
      smoothL1Sum(tf.gather(deltas, positiveIndex), positiveTargets, 1 / 9),
      sampledCount,
    );
    const logits = tf.gather(objectness, tf.tensor1d(sampled, 'int32'));
    const labels = tf.tensor1d(Float32Array.from(sampled, (i) => targets.labels[i]!));
    return { objectness: binaryCrossEntropyWithLogits(logits, labels), boxRegression };
  });
}

/** `mean(max(x, 0) − x·y + log(1 + e^{−|x|}))`, PyTorch's numerically stable form. */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.mean(
      tf.add(
        tf.sub(tf.relu(logits), tf.mul(logits, labels)),
        tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
      ),
    ),
  );
}

/** Rows `indices` of a flat `[N, 4]` array. */
export function gatherRows(rows: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 4);
  for (let k = 0; k < indices.length; k++) {
    out.set(rows.subarray(4 * indices[k]!, 4 * indices[k]! + 4), 4 * k);
  }
  return out;
}
