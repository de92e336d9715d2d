import type { ProcessGroup } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link syncBatchNormTraining} gives: the normalised input and the global statistics. */
export interface SyncBatchNormResult<T extends tf.Tensor> {
  readonly y: T;
  /** Mean over every rank's values per channel (for running statistics; no gradient). */
  readonly mean: tf.Tensor1D;
  /** Biased variance over every rank's values per channel (no gradient). */
  readonly variance: tf.Tensor1D;
  /** Values per channel over all ranks. */
  readonly count: number;
}

/**
 * Training-mode BatchNorm whose statistics span the ranks of `group` (PyTorch's
 * `SyncBatchNorm`): mean and biased variance over every rank's values per channel (channels
 * last), two-pass as one process over the whole batch would compute them; the backward pass
 * all-reduces `Σ dy` and `Σ dy·x̂`, so that the gradient reaching `x` is that of the ranks'
 * summed losses through the global statistics, and the gradients of `scale` and `offset` are
 * this rank's share (the trainer averages them over ranks like every other gradient).
 * N ranks with b images each thus train like one process with plain BatchNorm over N·b.
 * Every rank must call it for the same layers in the same order, forward and backward.
 */
export function syncBatchNormTraining<T extends tf.Tensor>(
  x: T,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
  group: ProcessGroup,
): SyncBatchNormResult<T> {
  const channels = scale.size;
  const shape = x.shape;
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  let count = 0;
  const normalise = tf.customGrad((input, gamma, beta, save) => {
    const rows = tf.reshape(input as tf.Tensor, [-1, channels]) as tf.Tensor2D;
    const localCount = rows.shape[0];
    // Pass 1: the global mean.
    const sums = Float32Array.from([...tf.sum(rows, 0).dataSync(), localCount]);
    group.allreduce([sums], 'sum');
    count = sums[channels]!;
    const globalMean = tf.div(tf.tensor1d(sums.subarray(0, channels)), count) as tf.Tensor1D;
    // Pass 2: the global biased variance around it.
    const centred = tf.sub(rows, globalMean);
    const squares = Float32Array.from(tf.sum(tf.square(centred), 0).dataSync());
    group.allreduce([squares], 'sum');
    const globalVariance = tf.div(tf.tensor1d(squares), count) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(globalVariance, epsilon)) as tf.Tensor1D;
    const normalised = tf.mul(centred, invStd);
    const value = tf.reshape(
      tf.add(tf.mul(normalised, gamma as tf.Tensor1D), beta as tf.Tensor1D),
      shape,
    );
    mean = tf.keep(globalMean);
    variance = tf.keep(globalVariance);
    (save as tf.GradSaveFunc)([normalised, invStd, gamma as tf.Tensor1D]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, inverse, g] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dyRows = tf.reshape(dy, [-1, channels]) as tf.Tensor2D;
        const localDy = tf.sum(dyRows, 0) as tf.Tensor1D;
        const localDyXHat = tf.sum(tf.mul(dyRows, xHat), 0) as tf.Tensor1D;
        const global = Float32Array.from([...localDy.dataSync(), ...localDyXHat.dataSync()]);
        group.allreduce([global], 'sum');
        const meanDy = tf.div(tf.tensor1d(global.subarray(0, channels)), count);
        const meanDyXHat = tf.div(tf.tensor1d(global.subarray(channels)), count);
        const dx = tf.mul(
          tf.mul(g, inverse),
          tf.sub(tf.sub(dyRows, meanDy), tf.mul(xHat, meanDyXHat)),
        );
        return [tf.reshape(dx, shape), localDyXHat, localDy];
      },
    };
  });
  const y = normalise(x, scale, offset) as T;
  return { y, mean: mean!, variance: variance!, count };
}
