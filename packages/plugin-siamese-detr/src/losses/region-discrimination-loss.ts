import { SsdetError } from '@ssdet/core';
import type { MatchedLoss, SetTarget } from '@ssdet/detr';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** A region target: its box in the decoded view and the frozen CNN's feature of its crop. */
export interface RegionTarget extends SetTarget {
  /** `[M, C]` the pooled CNN feature of each region's 128² crop from the query's source view. */
  readonly features: tf.Tensor2D;
}

/**
 * Region discrimination (Chen et al., "Siamese DETR", CVPR 2023, §3.3; `SiamDETRCriterion.loss_feature`
 * in Zx55/SiameseDETR `models/heads/siamdetr_head.py`): for the N matched (query, region) pairs,
 *   L_rd = Σ_i ‖ f̂_i / ‖f̂_i‖₂ − f_i / ‖f_i‖₂ ‖₂² / (B·M),
 * where f̂_i = `feature_align`(h_i) (MLP d → d → C) and f_i the frozen CNN's pooled feature of the
 * crop of region i taken from the view the query came from; B·M = images × regions.
 *
 * @param predicted `[N, C]` f̂ of the matched queries.
 * @param target `[N, C]` f of their regions, in the same order.
 * @param numBoxes B·M.
 */
export function regionDiscriminationLoss(
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
 * {@link regionDiscriminationLoss} as a term of the set criterion, `loss_feature` (`_{i}` on
 * auxiliary layer i), reading each layer's `extras.features` `[B, Q, C]` and the targets' features.
 */
export function regionDiscriminationTerm(weight: number): MatchedLoss<RegionTarget> {
  return {
    name: 'loss_feature',
    weight,
    auxiliary: true,
    compute: (context) =>
      tf.tidy(() => {
        const features = context.predictions.extras?.['features'];
        if (features === undefined) {
          throw new SsdetError(
            'SIAMESE_DETR_FEATURES_MISSING',
            "loss_feature needs each decoder layer's predictions.extras.features [B, Q, C].",
          );
        }
        return regionDiscriminationLoss(
          context.gatherPredictions(features) as tf.Tensor2D,
          context.gatherTargets((target) => target.features) as tf.Tensor2D,
          context.numBoxes,
        );
      }),
  };
}
