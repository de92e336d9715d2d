import * as tf from '@tensorflow/tfjs-core';

/**
 * Elementwise smooth L1 (Huber) term, summed: `Σ 0.5·d²/β if |d| < β else |d| − 0.5·β` with
 * `d = prediction − target`. Faster R-CNN (torchvision) uses `β = 1/9` and a sum normalised by
 * the caller.
 */
export function smoothL1Sum(prediction: tf.Tensor, target: tf.Tensor, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const distance = tf.abs(tf.sub(prediction, target));
    // With m = min(d, β): 0.5·m²/β + (d − m) is both branches at once, and differentiable.
    const inner = tf.minimum(distance, beta);
    return tf.sum(tf.add(tf.div(tf.mul(0.5, tf.square(inner)), beta), tf.sub(distance, inner)));
  });
}
