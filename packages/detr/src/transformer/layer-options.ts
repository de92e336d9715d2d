import type { Rng } from '@ssdet/core';

/**
 * How a DETR transformer's weight matrices are first drawn.
 * - `xavierUniform`: DETR's `Transformer._reset_parameters` (UP-DETR's too) — `xavier_uniform_`
 *   on every parameter with more than one dimension: each attention's packed q/k/v projection
 *   and output projection, both FFN layers. Biases keep their module's own init (attention: 0;
 *   FFN: U(±1/√fan_in)); LayerNorms γ = 1, β = 0.
 * - `pytorchDefault`: each module's own init, as if the reset were never called:
 *   `nn.MultiheadAttention`'s Xavier packed projection and U(±1/√d) `out_proj`, `nn.Linear`'s
 *   U(±1/√fan_in) FFN.
 */
export type TransformerInit = 'xavierUniform' | 'pytorchDefault';

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
  /** Default `xavierUniform`, DETR's. */
  readonly init?: TransformerInit;
  readonly rng: Rng;
}
