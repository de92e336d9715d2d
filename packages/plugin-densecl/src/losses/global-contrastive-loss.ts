import { infoNceLoss } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * DenseCL's global loss L_q (paper eq. 1), MoCo v2's InfoNCE between a query's global embedding
 * and its key, with the global queue as negatives:
 *
 * `L_q = −(1/N) Σ_n log [ exp(q·k₊/τ) / ( exp(q·k₊/τ) + Σ_{k₋ ∈ queue} exp(q·k₋/τ) ) ]`
 *
 * Official: `ContrastiveHead` = cross-entropy over `[q·k₊, q·queue] / τ` with label 0.
 *
 * @param queries `[N, D]` q, the query encoder's global projections, L2-normalised.
 * @param keys `[N, D]` k₊, the key encoder's global projections of the other view, L2-normalised.
 * @param queue `[K, D]` the global queue of earlier keys, L2-normalised.
 * @param temperature τ (0.2).
 */
export function globalContrastiveLoss(
  queries: tf.Tensor2D,
  keys: tf.Tensor2D,
  queue: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return infoNceLoss(queries, keys, queue, temperature);
}
