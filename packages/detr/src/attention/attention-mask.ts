import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '@ssdet/core';

/**
 * What blocked attention logits are set to. PyTorch uses −∞, which makes a fully blocked row
 * NaN; a large finite value gives exactly the same softmax for every row with one allowed key
 * (exp(−1e9) underflows to 0 in float32) and a finite, uniform row otherwise.
 */
export const BLOCKED_LOGIT = -1e9;

/**
 * A boolean self-attention mask `[Q, Q]` (true = blocked, `torch.nn.MultiheadAttention`'s
 * boolean `attn_mask` convention) that lets query i attend to query j only when both are in
 * the same group. `groupOf[i]` is query i's group id.
 */
export function groupAttentionMask(groupOf: ArrayLike<number>): tf.Tensor2D {
  const size = groupOf.length;
  const blocked = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) blocked[i * size + j] = groupOf[i] === groupOf[j] ? 0 : 1;
  }
  return tf.tensor2d(blocked, [size, size], 'bool');
}

/**
 * The block-diagonal mask of UP-DETR: `numQueries` queries in `numGroups` consecutive groups of
 * `numQueries / numGroups` (queries g·k … g·k + k − 1 belong to patch g). Built per group, so any
 * number of groups works (UP-DETR's own loop over queries-per-patch breaks when there are more
 * patches than queries per patch).
 */
export function blockDiagonalAttentionMask(numQueries: number, numGroups: number): tf.Tensor2D {
  if (!Number.isInteger(numGroups) || numGroups < 1 || numQueries % numGroups !== 0) {
    throw new SsdetError(
      'DETR_GROUP_MASK',
      `blockDiagonalAttentionMask: numQueries (${numQueries}) must be a positive multiple of numGroups (${numGroups}).`,
      {
        hint: 'UP-DETR needs num_queries divisible by num_patches, e.g. 100 queries and 10 patches.',
      },
    );
  }
  const perGroup = numQueries / numGroups;
  const groupOf = Array.from({ length: numQueries }, (_, i) => Math.floor(i / perGroup));
  return groupAttentionMask(groupOf);
}

/**
 * An attention mask as additive logits: boolean/int masks (true/1 = blocked) become
 * {@link BLOCKED_LOGIT}/0; float masks are already additive and are returned as they are.
 */
export function additiveMask(mask: tf.Tensor): tf.Tensor {
  if (mask.dtype === 'float32') return mask;
  return tf.tidy(() => tf.mul(tf.cast(tf.cast(mask, 'bool'), 'float32'), BLOCKED_LOGIT));
}
