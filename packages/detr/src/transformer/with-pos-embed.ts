import * as tf from '@tensorflow/tfjs-core';

/** DETR's `with_pos_embed`: positions are added to queries and keys, never to values. */
export function withPosEmbed(tensor: tf.Tensor, pos: tf.Tensor | undefined): tf.Tensor {
  return pos === undefined ? tensor : tf.add(tensor, pos);
}
