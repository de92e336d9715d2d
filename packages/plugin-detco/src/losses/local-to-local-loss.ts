import { infoNceLoss } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * DetCo's local↔local term at stage i (paper §3, "global and local contrastive learning"): InfoNCE
 * between the query encoder's local embedding of the patch set P_q (its 9 patches' features
 * concatenated, then the local head) and the key encoder's local embedding of P_k, with stage i's
 * local queue as negatives:
 *
 * `L^i_{l↔l} = −(1/N) Σ_n log [ exp(q^i_l·k^i_l₊/τ) / ( exp(q^i_l·k^i_l₊/τ) + Σ_{k₋ ∈ Queue^i_l} exp(q^i_l·k₋/τ) ) ]`
 *
 * The port: column 4 + i of its `logits`, `[q_l·k_l, q_l·queue[4 + i]] / T`, label 0.
 *
 * @param localQueries `[N, D]` q^i_l, L2-normalised.
 * @param localKeys `[N, D]` k^i_l₊, L2-normalised (from θ_k: no gradient).
 * @param localQueue `[K, D]` Queue^i_l, L2-normalised.
 * @param temperature τ (0.2).
 */
export function localToLocalLoss(
  localQueries: tf.Tensor2D,
  localKeys: tf.Tensor2D,
  localQueue: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return infoNceLoss(localQueries, localKeys, localQueue, temperature);
}
