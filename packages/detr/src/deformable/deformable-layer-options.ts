import type { Rng } from '@ssdet/core';

/** Hyper-parameters of Deformable DETR's encoder and decoder layers. */
export interface DeformableLayerOptions {
  /** d (256). */
  readonly dModel: number;
  /** FFN width (1024). */
  readonly dimFeedforward?: number;
  /** 0.1. */
  readonly dropout?: number;
  /** L (4; 1 for single-scale). */
  readonly numLevels?: number;
  /** M (8). */
  readonly numHeads?: number;
  /** P (4). */
  readonly numPoints?: number;
  readonly rng: Rng;
}
