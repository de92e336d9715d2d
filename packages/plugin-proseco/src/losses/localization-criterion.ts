import type { ProcessGroup } from '@ssdet/core';
import { HungarianMatcher, SetCriterion, type SetTarget } from '@ssdet/detr';

export interface LocalizationCriterionOptions {
  /** Class logits C (sigmoid); every Selective Search box is label 1. */
  readonly numClasses: number;
  /** Focal α (0.25); γ is 2. */
  readonly focalAlpha: number;
  /** λ_class 2, λ_coord 5, λ_giou 2. */
  readonly weights: { readonly class: number; readonly bbox: number; readonly giou: number };
  /** Matching cost weights: class 2, L1 5, GIoU 2. */
  readonly costs: { readonly class: number; readonly bbox: number; readonly giou: number };
  /**
   * The run's processes: the box losses are divided by their mean box count (DETR's
   * `num_boxes` allreduce). Default one process.
   */
  readonly group?: ProcessGroup;
}

/**
 * ProSeCo's localisation terms (Fig. 2: "the boxes predicted by the student are matched with the
 * boxes sampled from Selective Search to compute the localization losses L_coord and L_giou"),
 * DETReg-style on Deformable DETR: per decoder layer, Hungarian-match the Q student predictions to
 * the T Selective Search boxes of each image with
 *   C = λ_c·C_focal + 5·‖b̂ − b‖₁ + 2·(−GIoU(b̂, b)),
 * then
 *   L = λ_c·L_focal/N + λ_coord·Σ‖b̂ − b‖₁/N + λ_giou·Σ(1 − GIoU(b̂, b))/N
 * on every decoder layer (`_i` suffixes for the auxiliary ones), N = boxes in the batch, boxes
 * (cx, cy, w, h) normalised by the image size. The objectness focal term (label 1 for matched
 * queries) is DETReg's and kept by inference; `loss.classWeight = 0` drops it.
 */
export function createLocalizationCriterion(
  options: LocalizationCriterionOptions,
): SetCriterion<SetTarget> {
  return new SetCriterion<SetTarget>({
    group: options.group,
    numClasses: options.numClasses,
    matcher: new HungarianMatcher({
      costClass: options.costs.class,
      costBbox: options.costs.bbox,
      costGiou: options.costs.giou,
      classCost: 'focal',
      focalAlpha: 0.25,
    }),
    classLoss: 'focal',
    focalAlpha: options.focalAlpha,
    focalGamma: 2,
    weights: options.weights,
  });
}
