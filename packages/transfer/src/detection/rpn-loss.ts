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
    // Dense 0/1 selections instead of gathers: the gradient of a gather over a few hundred
    // thousand anchors is an unsorted segment sum, which tfjs's CPU kernels make quadratic.
    const anchorCount = objectness.shape[0];
    const sampledCount = Math.max(1, targets.positive.length + targets.negative.length);
    const sampled = new Float32Array(anchorCount);
    for (const a of targets.positive) sampled[a] = 1;
    for (const a of targets.negative) sampled[a] = 1;
    const positive = new Float32Array(anchorCount * 4);
    const positiveTargets = new Float32Array(anchorCount * 4);
    for (const a of targets.positive) {
      for (let c = 0; c < 4; c++) {
        positive[4 * a + c] = 1;
        positiveTargets[4 * a + c] = targets.regressionTargets[4 * a + c]!;
      }
    }
    const positiveMask = tf.tensor2d(positive, [anchorCount, 4]);
    const boxRegression: tf.Scalar = tf.div(
      smoothL1Sum(
        tf.mul(deltas, positiveMask),
        tf.tensor2d(positiveTargets, [anchorCount, 4]),
        1 / 9,
      ),
      sampledCount,
    );
    const labels = tf.tensor1d(Float32Array.from(targets.labels, (y) => Math.max(0, y)));
    const perAnchor = binaryCrossEntropyWithLogitsTerms(objectness, labels);
    const objectnessLoss: tf.Scalar = tf.div(
      tf.sum(tf.mul(perAnchor, tf.tensor1d(sampled))),
      sampledCount,
    );
    return { objectness: objectnessLoss, boxRegression };
  });
}

/** Elementwise `max(x, 0) − x·y + log(1 + e^{−|x|})`, PyTorch's numerically stable form. */
export function binaryCrossEntropyWithLogitsTerms(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, labels)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    ),
  );
}

/** `mean(max(x, 0) − x·y + log(1 + e^{−|x|}))`, PyTorch's numerically stable form. */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(binaryCrossEntropyWithLogitsTerms(logits, labels)));
}

/** Rows `indices` of a flat `[N, 4]` array. */
export function gatherRows(rows: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 4);
  for (let k = 0; k < indices.length; k++) {
    out.set(rows.subarray(4 * indices[k]!, 4 * indices[k]! + 4), 4 * k);
  }
  return out;
}
