import type { Rng } from '@ssdet/core';

/** Hyper-parameters shared by DETR's encoder and decoder layers. */
export interface TransformerLayerOptions {
  /** d (DETR: 256). */
  readonly dModel: number;
  /** Attention heads (DETR: 8). */
  readonly numHeads: number;
  /** FFN width (DETR: 2048; Deformable DETR: 1024). */
  readonly dimFeedforward: number;
  /** DETR: 0.1. */
  readonly dropout?: number;
  /** Pre-norm (`normalize_before`, UP-DETR and DETReg's DETR variant) or post-norm (DETR's default). */
  readonly normalizeBefore?: boolean;
  readonly rng: Rng;
}
