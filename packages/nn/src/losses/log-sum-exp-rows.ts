import * as tf from '@tensorflow/tfjs-core';

/**
 * `log Σ_j exp(x_ij)` per row of `[N, K]` logits, with the gradient `softmax(x)·dy` written out.
 * `tf.logSumExp` subtracts the row maximum for stability and tfjs differentiates through that
 * maximum too — a comparison of every logit against it, whose terms cancel exactly — which for a
 * MoCo queue (K = 65 536) was the most expensive op of a DenseCL step.
 */
const logSumExpWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.logSumExp(x, 1),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.mul(tf.expandDims(dy as tf.Tensor, 1), tf.softmax(saved[0]!)),
  };
});

export function logSumExpRows(logits: tf.Tensor2D): tf.Tensor1D {
  return logSumExpWithGradient(logits) as tf.Tensor1D;
}
