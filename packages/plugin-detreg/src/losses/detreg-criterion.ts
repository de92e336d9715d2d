import type { ProcessGroup } from '@ssdet/core';
import { HungarianMatcher, SetCriterion } from '@ssdet/detr';
import { objectEmbeddingTerm, type PriorTarget } from './object-embedding-loss.js';

export interface DetregCriterionOptions {
  /** Class logits C (no-object excluded); every prior is label 1. */
  readonly numClasses: number;
  /** `focal` (Deformable DETR) or `cross-entropy` with `eosCoef` (DETR). */
  readonly classLoss: 'focal' | 'cross-entropy';
  /** α of the focal loss (0.25); γ is 2. */
  readonly focalAlpha: number;
  /** No-object weight of the cross-entropy (0.1). */
  readonly eosCoef: number;
  /** λ_class (2 Deformable / 1 DETR), λ_L1 5, λ_giou 2, λ_emb 1. */
  readonly weights: {
    readonly class: number;
    readonly bbox: number;
    readonly giou: number;
    readonly embedding: number;
  };
  /** Matching cost weights: class (2 / 1), L1 5, GIoU 2. */
  readonly costs: { readonly class: number; readonly bbox: number; readonly giou: number };
  /**
   * The run's processes: the box losses are divided by their mean box count (DETR's
   * `num_boxes` allreduce). Default one process.
   */
  readonly group?: ProcessGroup;
}

/**
 * DETReg's loss (Bar et al., CVPR 2022, §3; `models/__init__.py`, `models/deformable_detr.py`,
 * `models/def_matcher.py`): per decoder layer, Hungarian-match the Q queries to the T priors of
 * each image with cost
 *   C = λ_c·C_class + 5·‖b̂ − b‖₁ + 2·(−GIoU(b̂, b)),
 * C_class Deformable DETR's focal cost α(1−p)^γ(−log p) − (1−α)p^γ(−log(1−p)) (DETR: −p̂(c)),
 * then
 *   L = λ_c·L_focal/N + 5·Σ‖b̂ − b‖₁/N + 2·Σ(1 − GIoU)/N   on every decoder layer (`_i` suffix)
 *     + 1·L_emb                                          on the last layer only,
 * N = priors in the batch, boxes (cx, cy, w, h) normalised by the image size, L_focal summed over
 * queries and classes (`sigmoid_focal_loss(…) · Q`) — DETR's variant: the eos-weighted
 * cross-entropy. See {@link objectEmbeddingTerm}.
 */
export function createDetregCriterion(options: DetregCriterionOptions): SetCriterion<PriorTarget> {
  const focal = options.classLoss === 'focal';
  return new SetCriterion<PriorTarget>({
    group: options.group,
    numClasses: options.numClasses,
    matcher: new HungarianMatcher({
      costClass: options.costs.class,
      costBbox: options.costs.bbox,
      costGiou: options.costs.giou,
      classCost: focal ? 'focal' : 'softmax',
      // `def_matcher.py` fixes α = 0.25 and γ = 2 whatever --focal_alpha says.
      focalAlpha: 0.25,
    }),
    classLoss: options.classLoss,
    eosCoef: options.eosCoef,
    focalAlpha: options.focalAlpha,
    focalGamma: 2,
    weights: {
      class: options.weights.class,
      bbox: options.weights.bbox,
      giou: options.weights.giou,
    },
    extraLosses: [objectEmbeddingTerm(options.weights.embedding)],
  });
}
