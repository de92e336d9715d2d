import { SsdetError } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import type { MatchedLoss, SetTarget } from '@ssdet/detr';
import * as tf from '@tensorflow/tfjs-core';

/** A query patch target: its box, its label and the CNN feature of the patch. */
export interface PatchTarget extends SetTarget {
  /** `[M, C]` the pooled CNN feature of each patch (UP-DETR's `gt_feature`). */
  readonly features: tf.Tensor2D;
}

/**
 * UP-DETR's feature reconstruction loss (Dai et al., CVPR 2021, eq. 3; `SetCriterion.loss_feature`
 * in dddzg/up-detr `models/detr.py`): for the N matched (query, patch) pairs,
 *   L_feat = Σ_i ‖ p̂_i / ‖p̂_i‖₂ − p_i / ‖p_i‖₂ ‖₂² / num_boxes,
 * where p̂_i = `feature_align`(h_i) is the decoder output mapped to the CNN's feature space and
 * p_i the pooled CNN feature of the patch matched to it (the sum of the element-wise squared
 * errors, `mse_loss(reduction='none').sum()`, over the batch's num_boxes patches). The
 * normalisation is `torch.nn.functional.normalize`'s, x / max(‖x‖₂, 1e-12) (`@ssdet/nn`'s
 * `l2Normalize`: its squares, not tfjs's `norm`, whose `Pow` has no native kernel).
 *
 * @param predicted `[N, C]` p̂ of the matched queries.
 * @param target `[N, C]` p of their patches, in the same order.
 * @param numBoxes the criterion's normaliser (patches in the batch, at least 1).
 */
export function featureReconstructionLoss(
  predicted: tf.Tensor2D,
  target: tf.Tensor2D,
  numBoxes: number,
): tf.Scalar {
  return tf.tidy(
    () =>
      tf.div(
        tf.sum(tf.squaredDifference(l2Normalize(predicted), l2Normalize(target))),
        numBoxes,
      ) as tf.Scalar,
  );
}

/**
 * {@link featureReconstructionLoss} as a term of the set criterion: named `loss_feature`
 * (`loss_feature_{i}` on auxiliary decoder layer i, as UP-DETR's `weight_dict`), reading each
 * layer's `extras.features` `[B, Q, C]` and the targets' `features`.
 */
export function featureReconstructionTerm(weight: number): MatchedLoss<PatchTarget> {
  return {
    name: 'loss_feature',
    weight,
    auxiliary: true,
    compute: (context) =>
      tf.tidy(() => {
        const features = context.predictions.extras?.['features'];
        if (features === undefined) {
          throw new SsdetError(
            'UPDETR_FEATURES_MISSING',
            "loss_feature needs each decoder layer's predictions.extras.features [B, Q, C].",
          );
        }
        const matched = context.matches.reduce((total, m) => total + m.predictions.length, 0);
        // No pairs: keep the features in the tape so their gradient is zeros, not missing.
        if (matched === 0) return tf.mul(tf.sum(features), 0) as tf.Scalar;
        return featureReconstructionLoss(
          context.gatherPredictions(features) as tf.Tensor2D,
          context.gatherTargets((target) => target.features) as tf.Tensor2D,
          context.numBoxes,
        );
      }),
  };
}
