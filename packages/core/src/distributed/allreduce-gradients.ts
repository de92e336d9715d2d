import * as tf from '@tensorflow/tfjs-core';
import type { ProcessGroup } from './process-group.js';

/**
 * The rank-mean of every gradient, in one fused allreduce (the gradient of the global batch's
 * mean loss when each rank's loss is the mean over its shard). Takes ownership of `gradients`:
 * the tensors it returns replace them.
 *
 * Every rank reduces the same list, one buffer per trainable variable (`shapes`, by name), even
 * when its own step left a variable without a gradient (a pyramid level no box reached on this
 * rank's shard): that rank sends zeros, as DDP's `find_unused_parameters` does. Otherwise the
 * ranks' fused messages would differ in length, which MPI does not detect. A leading buffer
 * counts the ranks that had each gradient; a variable no rank had stays without a gradient, as
 * in one process.
 */
export function meanAllreduceGradients(
  gradients: Map<string, tf.Tensor>,
  group: ProcessGroup,
  shapes: ReadonlyMap<string, readonly number[]>,
): Map<string, tf.Tensor> {
  if (group.size === 1) return gradients;
  for (const name of gradients.keys())
    if (!shapes.has(name)) throw new Error(`a gradient for "${name}", which is not trainable`);
  const names = [...shapes.keys()].sort();
  const present = Float32Array.from(names, (name) => (gradients.has(name) ? 1 : 0));
  const buffers = names.map((name) => {
    const gradient = gradients.get(name);
    return gradient === undefined
      ? new Float32Array(tf.util.sizeFromShape([...shapes.get(name)!]))
      : Float32Array.from(gradient.dataSync());
  });
  group.allreduce([present, ...buffers], 'sum');
  const reduced = new Map<string, tf.Tensor>();
  names.forEach((name, index) => {
    if (present[index] === 0) return;
    const mean = buffers[index]!;
    for (let i = 0; i < mean.length; i++) mean[i]! /= group.size;
    reduced.set(name, tf.tensor(mean, [...shapes.get(name)!], 'float32'));
  });
  tf.dispose([...gradients.values()]);
  return reduced;
}
