import type { ProcessGroup } from '@ssdet/core';
import { HungarianMatcher, SetCriterion } from '@ssdet/detr';
import { featureReconstructionTerm, type PatchTarget } from './feature-reconstruction-loss.js';

export interface UpdetrCriterionOptions {
  /** Object classes without no-object (UP-DETR: 2; every patch is label 1). */
  readonly numClasses: number;
  /** Weight of the no-object class in the cross-entropy (0.1). */
  readonly eosCoef: number;
  /** λ_class 1, λ_L1 5, λ_giou 2, λ_feat 1. */
  readonly weights: {
    readonly class: number;
    readonly bbox: number;
    readonly giou: number;
    readonly feature: number;
  };
  /** Matching cost weights: class 1, L1 5, GIoU 2. */
  readonly costs: { readonly class: number; readonly bbox: number; readonly giou: number };
  /** Add L_feat (`--feature_recon`). */
  readonly featureReconstruction: boolean;
  /**
   * The run's processes: the box losses are divided by their mean box count (DETR's
   * `num_boxes` allreduce). Default one process.
   */
  readonly group?: ProcessGroup;
}

/**
 * UP-DETR's loss (Dai et al., CVPR 2021, eq. 2–3; `models/__init__.py` + `models/detr.py`): per
 * decoder layer, Hungarian-match the Q predictions to the M patches of each image with cost
 *   C = 1·(−p̂(c)) + 5·‖b̂ − b‖₁ + 2·(−GIoU(b̂, b)),
 * then
 *   L = 1·L_CE(eos 0.1) + 5·Σ‖b̂ − b‖₁/N + 2·Σ(1 − GIoU)/N + 1·L_feat,
 * N = patches in the batch; every auxiliary decoder layer adds the same terms (`_{i}` suffix).
 * Boxes are (cx, cy, w, h) normalised by the image size. See {@link featureReconstructionTerm}.
 */
export function createUpdetrCriterion(options: UpdetrCriterionOptions): SetCriterion<PatchTarget> {
  return new SetCriterion<PatchTarget>({
    group: options.group,
    numClasses: options.numClasses,
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
    extraLosses: options.featureReconstruction
      ? [featureReconstructionTerm(options.weights.feature)]
      : [],
  });
}
