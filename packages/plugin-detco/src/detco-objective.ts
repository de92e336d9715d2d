import { combineLosses, type LossOutput } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { DETCO_STAGES, type DetcoStage, type StageEmbeddings } from './heads.js';
import { globalToGlobalLoss } from './losses/global-to-global-loss.js';
import { localToGlobalLoss } from './losses/local-to-global-loss.js';
import { localToLocalLoss } from './losses/local-to-local-loss.js';

/** One encoder's embeddings of its global view and its patch set, per stage (not normalised). */
export interface DetcoEmbeddings {
  readonly global: StageEmbeddings;
  readonly local: StageEmbeddings;
}

/** The eight queues, `[K, D]` each, L2-normalised: Queue_g and Queue_l of every stage. */
export interface DetcoQueues {
  readonly global: Readonly<Record<DetcoStage, tf.Tensor2D>>;
  readonly local: Readonly<Record<DetcoStage, tf.Tensor2D>>;
}

export interface DetcoObjectiveInputs {
  /** θ_q on I_q and P_q: these carry the gradient. */
  readonly query: DetcoEmbeddings;
  /** θ_k on I_k and P_k. */
  readonly key: DetcoEmbeddings;
  readonly queues: DetcoQueues;
  readonly temperature: number;
  /** w_1…w_4 of res2…res5. */
  readonly stageWeights: readonly [number, number, number, number];
}

/** The three unweighted terms of one stage (a type alias, so that it is a tfjs TensorContainer). */
export type StageLosses = {
  readonly g2g: tf.Scalar;
  readonly l2l: tf.Scalar;
  readonly l2g: tf.Scalar;
};

export interface DetcoObjective extends LossOutput {
  /** Σ_i w_i (L^i_g2g + L^i_l2l + L^i_l2g); `terms` are the twelve weighted terms, `res2_g2g` … `res5_l2g`. */
  readonly total: tf.Scalar;
  /** The unweighted terms by stage. */
  readonly stages: Readonly<Record<DetcoStage, StageLosses>>;
  /** The normalised keys each queue receives after the step: `global[stage]`, `local[stage]` `[N, D]`. */
  readonly keys: {
    readonly global: Readonly<Record<DetcoStage, tf.Tensor2D>>;
    readonly local: Readonly<Record<DetcoStage, tf.Tensor2D>>;
  };
}

/**
 * DetCo's objective from the two encoders' embeddings (paper §3):
 *
 * `L(I_q, I_k, P_q, P_k) = Σ_{i=1..4} w_i · ( L^i_{g↔g}(I_q, I_k) + L^i_{l↔l}(P_q, P_k) + L^i_{l↔g}(P_q, I_k) )`
 *
 * Every embedding is L2-normalised first (the port's `normalize(q, dim=2)`), then each stage's
 * three InfoNCE terms ({@link globalToGlobalLoss}, {@link localToLocalLoss},
 * {@link localToGlobalLoss}) are weighted by the stage's w_i.
 */
export function detcoObjective(inputs: DetcoObjectiveInputs): DetcoObjective {
  const { query, key, queues, temperature, stageWeights } = inputs;
  return tf.tidy(() => {
    const normalized = (embeddings: StageEmbeddings): Record<DetcoStage, tf.Tensor2D> => {
      const out = {} as Record<DetcoStage, tf.Tensor2D>;
      for (const stage of DETCO_STAGES) out[stage] = l2Normalize(embeddings[stage], 1);
      return out;
    };
    const qGlobal = normalized(query.global);
    const qLocal = normalized(query.local);
    const kGlobal = normalized(key.global);
    const kLocal = normalized(key.local);
    const stages = {} as Record<DetcoStage, StageLosses>;
    const evaluated = DETCO_STAGES.flatMap((stage, i) => {
      const terms: StageLosses = {
        g2g: globalToGlobalLoss(qGlobal[stage], kGlobal[stage], queues.global[stage], temperature),
        l2l: localToLocalLoss(qLocal[stage], kLocal[stage], queues.local[stage], temperature),
        l2g: localToGlobalLoss(qLocal[stage], kGlobal[stage], queues.global[stage], temperature),
      };
      stages[stage] = terms;
      return (['g2g', 'l2l', 'l2g'] as const).map((term) => ({
        name: `${stage}_${term}`,
        weight: stageWeights[i]!,
        value: terms[term],
      }));
    });
    const { total, terms } = combineLosses(evaluated);
    return { total, terms, stages, keys: { global: kGlobal, local: kLocal } };
  });
}
