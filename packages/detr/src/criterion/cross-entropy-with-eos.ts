import * as tf from '@tensorflow/tfjs-core';

/**
 * DETR's classification loss: weighted cross-entropy over all queries,
 *   L = Σ_i w_{y_i} · (−log softmax(z_i)_{y_i}) / Σ_i w_{y_i},
 * where y_i is the matched target's class or the no-object class C (the last logit), and
 * w_c = 1 except w_C = eosCoef (`F.cross_entropy(…, weight=empty_weight)`, mean reduction).
 *
 * @param logits `[B, Q, C + 1]`.
 * @param targetClasses `[B·Q]` class per query (C for no-object).
 */
export function crossEntropyWithEos(
  logits: tf.Tensor3D,
  targetClasses: Int32Array,
  eosCoef: number,
): tf.Scalar {
  const numClasses = logits.shape[2];
  const classWeights = new Float32Array(targetClasses.length);
  targetClasses.forEach((c, i) => (classWeights[i] = c === numClasses - 1 ? eosCoef : 1));
  return tf.tidy(() => {
    const logProbabilities = tf.reshape(tf.logSoftmax(logits, -1), [-1, numClasses]);
    const oneHot = tf.oneHot(tf.tensor1d(targetClasses, 'int32'), numClasses);
    const negativeLogLikelihood = tf.neg(tf.sum(tf.mul(logProbabilities, oneHot), 1));
    const weights = tf.tensor1d(classWeights);
    return tf.div(tf.sum(tf.mul(negativeLogLikelihood, weights)), tf.sum(weights)) as tf.Scalar;
  });
}
