import { SsdetError } from '@ssdet/core';
import type { MatchedLoss, SetTarget } from '@ssdet/detr';
import * as tf from '@tensorflow/tfjs-core';

/** A region prior target: its box, label 1, and the frozen teacher's embedding of its crop. */
export interface PriorTarget extends SetTarget {
  /** `[T, E]` the teacher's embedding of each prior's crop (DETReg's `target['patches']`). */
  readonly embeddings: tf.Tensor2D;
}

/**
 * DETReg's object embedding loss (Bar et al., CVPR 2022, eq. 3 "L_emb"; `SetCriterion.
 * loss_object_embedding` in amirbar/DETReg `models/deformable_detr.py`): for the N queries
 * σ̂(i) matched to priors i, the mean absolute error between the predicted embedding
 * ẑ_σ̂(i) = `feature_embed`(h_σ̂(i)) and the teacher's embedding z_i of prior i's crop:
 *   L_emb = 1/(N·E) Σ_i ‖ẑ_σ̂(i) − z_i‖₁,
 * i.e. `F.l1_loss(src, target, reduction='mean')` — an element mean, not normalised by the
 * criterion's num_boxes as the box terms are.
 *
 * @param predicted `[N, E]` ẑ of the matched queries.
 * @param target `[N, E]` z of their priors, in the same order.
 */
export function objectEmbeddingLoss(predicted: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(predicted, target))) as tf.Scalar);
}

/**
 * {@link objectEmbeddingLoss} as a term of the set criterion, named `loss_object_embedding` as
 * DETReg's `weight_dict`, on the **last decoder layer only** (`auxiliary: false`: the official
 * loop over `aux_outputs` skips `object_embedding`), reading its `extras.features` `[B, Q, E]`
 * and the targets' `embeddings`.
 */
export function objectEmbeddingTerm(weight: number): MatchedLoss<PriorTarget> {
  return {
    name: 'loss_object_embedding',
    weight,
    auxiliary: false,
    compute: (context) =>
      tf.tidy(() => {
        const features = context.predictions.extras?.['features'];
        if (features === undefined) {
          throw new SsdetError(
            'DETREG_FEATURES_MISSING',
            "loss_object_embedding needs the last decoder layer's predictions.extras.features [B, Q, E].",
          );
        }
        const matched = context.matches.reduce((total, m) => total + m.predictions.length, 0);
        // No pairs (F.l1_loss of empty tensors is NaN officially): 0, with zero gradients.
        if (matched === 0) return tf.mul(tf.sum(features), 0) as tf.Scalar;
        return objectEmbeddingLoss(
          context.gatherPredictions(features) as tf.Tensor2D,
          context.gatherTargets((target) => target.embeddings) as tf.Tensor2D,
        );
      }),
  };
}
