import { type ProcessGroup } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Every rank's `tensor` stacked along axis 0 in rank order (MoCo's `concat_all_gather`): the
 * global batch's keys, so that every rank enqueues the same keys in the order one process would.
 * Like the official function it carries no gradient; the shapes must agree beyond axis 0.
 * The tensor itself for a single process.
 */
export function concatAllGather<T extends tf.Tensor>(tensor: T, group: ProcessGroup): T {
  if (group.size === 1) return tf.clone(tensor);
  const parts = group.allgather(Float32Array.from(tensor.dataSync()));
  const rowSize = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = parts.reduce((sum, part) => sum + part.length / rowSize, 0);
  const joined = new Float32Array(rows * rowSize);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return tf.tensor(joined, [rows, ...tensor.shape.slice(1)], 'float32') as T;
}
