import * as tf from '@tensorflow/tfjs-core';
import { dropout, type DropoutContext, type LayerNorm } from '@ssdet/nn';

/** How a layer wraps its sub-layers: dropout rate, dropout context, pre- or post-norm. */
export interface ResidualOptions {
  readonly rate: number;
  readonly context: DropoutContext;
  /** Pre-norm (`normalize_before`); post-norm otherwise. */
  readonly preNorm?: boolean;
}

/**
 * One residual sub-layer of a transformer layer, as DETR's `forward_post` / `forward_pre` write
 * it: post-norm LN(x + Drop(f(x))); pre-norm x + Drop(f(LN(x))), leaving the residual stream raw.
 */
export function residual(
  x: tf.Tensor3D,
  sublayer: (y: tf.Tensor3D) => tf.Tensor,
  norm: LayerNorm,
  { rate, context, preNorm = false }: ResidualOptions,
): tf.Tensor3D {
  if (preNorm) return tf.add(x, dropout(sublayer(norm.forward(x)), rate, context));
  return norm.forward(tf.add(x, dropout(sublayer(x), rate, context)));
}
