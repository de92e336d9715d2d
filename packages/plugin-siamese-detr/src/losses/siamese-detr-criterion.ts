import type { ProcessGroup } from '@ssdet/core';
import { HungarianMatcher, SetCriterion } from '@ssdet/detr';
import { regionDiscriminationTerm, type RegionTarget } from './region-discrimination-loss.js';

export interface SiameseDetrCriterionOptions {
  /** Weight of the no-object logit in the cross-entropy (0.1). */
  readonly eosCoef: number;
  /** λ_ce 1, λ_L1 5, λ_giou 2, λ_rd 3. */
  readonly weights: {
    readonly class: number;
    readonly bbox: number;
    readonly giou: number;
    readonly feature: number;
  };
  /** Matching cost weights: class 1, L1 5, GIoU 2. */
  readonly costs: { readonly class: number; readonly bbox: number; readonly giou: number };
  /**
   * The run's processes: the box losses are divided by their mean box count (DETR's
   * `num_boxes` allreduce). Default one process.
   */
  readonly group?: ProcessGroup;
}

/**
 * One direction of Siamese DETR's region detection + region discrimination loss
 * (`SiamDETRCriterion` in Zx55/SiameseDETR `models/heads/siamdetr_head.py`, matcher
 * `models/utils/hungarian_matcher.py`): per decoder layer, Hungarian-match the Q predictions to
 * the M regions of each image with cost
 *   C = 1·(−p̂(1)) + 5·‖b̂ − b‖₁ + 2·(−GIoU(b̂, b)),
 * then
 *   L = 1·CE(3 logits, eos 0.1) + 5·Σ‖b̂ − b‖₁/(B·M) + 2·Σ(1 − GIoU)/(B·M) + 3·L_rd,
 * every region label 1 of classes {0, 1} + no-object; every auxiliary layer adds the same terms.
 * Boxes are (cx, cy, w, h) divided by the view's size.
 */
export function createSiameseDetrCriterion(
  options: SiameseDetrCriterionOptions,
): SetCriterion<RegionTarget> {
  return new SetCriterion<RegionTarget>({
    group: options.group,
    // `self.num_classes = 2`: logits for classes 0, 1 and no-object.
    numClasses: 2,
    matcher: new HungarianMatcher({
      costClass: options.costs.class,
      costBbox: options.costs.bbox,
      costGiou: options.costs.giou,
    }),
    classLoss: 'cross-entropy',
    eosCoef: options.eosCoef,
    weights: {
      class: options.weights.class,
      bbox: options.weights.bbox,
      giou: options.weights.giou,
    },
    extraLosses: [regionDiscriminationTerm(options.weights.feature)],
  });
}
