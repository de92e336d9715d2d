import { infoNceLoss } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * DetCo's global↔global term at stage i (paper §3, "multi-level supervision"): MoCo's InfoNCE
 * between the query encoder's global embedding of I_q and the key encoder's global embedding of
 * I_k, with stage i's global queue as negatives:
 *
 * `L^i_{g↔g} = −(1/N) Σ_n log [ exp(q^i_g·k^i_g₊/τ) / ( exp(q^i_g·k^i_g₊/τ) + Σ_{k₋ ∈ Queue^i_g} exp(q^i_g·k₋/τ) ) ]`
 *
 * The port: column i (i = 0…3) of its `logits`, `[q·k, q·queue[i]] / T`, cross-entropy with label 0.
 *
 * @param globalQueries `[N, D]` q^i_g, L2-normalised.
 * @param globalKeys `[N, D]` k^i_g₊, L2-normalised (from θ_k: no gradient).
 * @param globalQueue `[K, D]` Queue^i_g, L2-normalised.
 * @param temperature τ (0.2).
 */
export function globalToGlobalLoss(
  globalQueries: tf.Tensor2D,
  globalKeys: tf.Tensor2D,
  globalQueue: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return infoNceLoss(globalQueries, globalKeys, globalQueue, temperature);
}
