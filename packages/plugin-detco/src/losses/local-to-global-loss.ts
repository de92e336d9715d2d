import { infoNceLoss } from '@ssdet/nn';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * DetCo's cross local↔global term at stage i (paper §3, "global and local contrastive learning",
 * fig. 4b): the query encoder's local embedding of P_q must find the key encoder's *global*
 * embedding of I_k among the *global* queue of stage i:
 *
 * `L^i_{l↔g} = −(1/N) Σ_n log [ exp(q^i_l·k^i_g₊/τ) / ( exp(q^i_l·k^i_g₊/τ) + Σ_{k₋ ∈ Queue^i_g} exp(q^i_l·k₋/τ) ) ]`
 *
 * The paper's cross term relates the global image and the local patches; taking the local
 * embedding as the query and the global one as the key (against the global queue) is the port's
 * reading (`q[:, 4:]` against `k[:, :4]` and `queue[:4]`, column 8 + i of its logits), kept here.
 *
 * @param localQueries `[N, D]` q^i_l, L2-normalised.
 * @param globalKeys `[N, D]` k^i_g₊, L2-normalised (from θ_k: no gradient).
 * @param globalQueue `[K, D]` Queue^i_g, L2-normalised.
 * @param temperature τ (0.2).
 */
export function localToGlobalLoss(
  localQueries: tf.Tensor2D,
  globalKeys: tf.Tensor2D,
  globalQueue: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return infoNceLoss(localQueries, globalKeys, globalQueue, temperature);
}
