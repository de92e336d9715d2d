import { SsdetError } from '@ssdet/core';
import { logSumExpRows } from './log-sum-exp-rows.js';
import * as tf from '@tensorflow/tfjs-core';

/**
 * InfoNCE with a queue of negatives, MoCo's contrastive loss (He et al., "Momentum Contrast for
 * Unsupervised Visual Representation Learning", CVPR 2020, eq. 1; van den Oord et al., 2018):
 *
 * `L = −(1/N) Σ_i log( exp(q_i·k_i⁺/τ) / (exp(q_i·k_i⁺/τ) + Σ_j exp(q_i·n_j/τ)) )`
 *
 * i.e. cross-entropy over the logits `[q_i·k_i⁺, q_i·n_1, …, q_i·n_K] / τ` with the positive at
 * index 0, averaged over the N queries.
 *
 * @param queries `[N, D]` query embeddings `q`, L2-normalised by the caller.
 * @param positiveKeys `[N, D]` positive keys `k⁺`, L2-normalised; in MoCo they come from the
 *   momentum encoder and carry no gradient (its variables are not trainable).
 * @param negatives `[K, D]` negative keys `n` (a {@link MemoryQueue}'s `queue`), L2-normalised.
 * @param temperature τ (MoCo v1 0.07, MoCo v2 / DenseCL 0.2).
 */
export function infoNceLoss(
  queries: tf.Tensor2D,
  positiveKeys: tf.Tensor2D,
  negatives: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  const [n, d] = queries.shape;
  if (
    queries.rank !== 2 ||
    !tf.util.arraysEqual(positiveKeys.shape, queries.shape) ||
    negatives.rank !== 2 ||
    negatives.shape[1] !== d
  ) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `infoNceLoss expects queries [N, D], positive keys [N, D] and negatives [K, D]; got [${queries.shape.join(', ')}], [${positiveKeys.shape.join(', ')}], [${negatives.shape.join(', ')}].`,
    );
  }
  if (!(temperature > 0)) {
    throw new SsdetError(
      'NN_BAD_OPTION',
      `infoNceLoss temperature must be positive; got ${temperature}.`,
    );
  }
  return tf.tidy(() => {
    const positive = tf.sum(tf.mul(queries, positiveKeys), 1, true); // [N, 1]
    const negative = tf.matMul(queries, negatives, false, true); // [N, K]
    const logits = tf.div(tf.concat([positive, negative], 1), temperature);
    const positiveLogit = tf.reshape(tf.slice(logits, [0, 0], [n, 1]), [n]);
    return tf.mean(tf.sub(logSumExpRows(logits as tf.Tensor2D), positiveLogit));
  });
}
