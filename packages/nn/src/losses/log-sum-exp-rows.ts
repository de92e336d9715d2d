import * as tf from '@tensorflow/tfjs-core';

/**
 * `log Σ_j exp(x_ij)` per row of `[N, K]` logits, with the gradient `softmax(x)·dy` written out.
 * `tf.logSumExp` subtracts the row maximum for stability and tfjs differentiates through that
 * maximum too — a comparison of every logit against it, whose terms cancel exactly — which for a
 * MoCo queue (K = 65 536) was the most expensive op of a DenseCL step.
 *
 * The forward pass keeps `exp(x − max)` and its row sums for the gradient, `exp(x − max) ·
 * (dy / Σ)`: one multiplication over the logits instead of a second softmax over them (DenseCL's
 * dense logits are 392 × 65 537). It keeps these in place of the logits, so the memory held for
 * the backward pass is the same.
 */
const logSumExpWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor2D;
  const save = args[1] as tf.GradSaveFunc;
  const max = tf.max(x, 1, true); // [N, 1]
  const shifted = tf.exp(tf.sub(x, max)); // [N, K], each in (0, 1]
  const sums = tf.sum(shifted, 1, true); // [N, 1], each ≥ 1
  save([shifted, sums]);
  return {
    value: tf.reshape(tf.add(tf.log(sums), max), [x.shape[0]]),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.mul(saved[0]!, tf.div(tf.expandDims(dy as tf.Tensor, 1), saved[1]!)),
  };
});

export function logSumExpRows(logits: tf.Tensor2D): tf.Tensor1D {
  return logSumExpWithGradient(logits) as tf.Tensor1D;
}
