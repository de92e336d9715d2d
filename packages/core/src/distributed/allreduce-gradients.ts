import * as tf from '@tensorflow/tfjs-core';
import type { ProcessGroup } from './process-group.js';

/**
 * The rank-mean of every gradient, in one fused allreduce (the gradient of the global batch's
 * mean loss when each rank's loss is the mean over its shard). Takes ownership of `gradients`:
 * the tensors it returns replace them. The same names must be present on every rank.
 */
export function meanAllreduceGradients(
  gradients: Map<string, tf.Tensor>,
  group: ProcessGroup,
): Map<string, tf.Tensor> {
  if (group.size === 1) return gradients;
  const names = [...gradients.keys()].sort();
  const buffers = names.map((name) => Float32Array.from(gradients.get(name)!.dataSync()));
  group.allreduce(buffers, 'mean');
  const reduced = new Map<string, tf.Tensor>();
  names.forEach((name, index) => {
    const gradient = gradients.get(name)!;
    reduced.set(name, tf.tensor(buffers[index]!, gradient.shape, 'float32'));
  });
  tf.dispose([...gradients.values()]);
  return reduced;
}
