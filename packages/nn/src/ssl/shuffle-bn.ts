import { SsdetError, type ForwardOptions } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Shuffle-BN in one process (MoCo, He et al. CVPR 2020, §3.3), the one code path every MoCo-style
 * method here uses (DenseCL, DetCo). Multi-GPU MoCo/DenseCL normalise
 * each GPU's sub-batch with its own BatchNorm statistics and, for the key encoder only, deal the
 * images to the GPUs in a random order, so that a query and its positive key are never normalised
 * with statistics of the same set of images (which would let the network recognise its positive
 * through those statistics instead of through content).
 *
 * Here the `groups` sub-batches run one after another through `encode` (a training-mode
 * forward, so each sees its own batch statistics): images `order[g·b … (g+1)·b − 1]` form group
 * g, and the outputs are put back in the original image order. `order` is the identity for
 * queries and a random permutation for keys. `encode` learns the group's index: only group 0
 * should update BatchNorm running statistics (see {@link replicaForwardOptions}).
 *
 * @param images `[B, H, W, 3]`, B divisible by `groups`.
 * @param order a permutation of 0…B−1; omit for the identity.
 * @returns every output of `encode`, concatenated over the groups along axis 0 in image order.
 */
export function encodeInGroups<Output extends { readonly [Name in keyof Output]: tf.Tensor }>(
  images: tf.Tensor4D,
  groups: number,
  encode: (images: tf.Tensor4D, group: number) => Output,
  order?: readonly number[],
): Output {
  const batch = images.shape[0];
  if (!Number.isInteger(groups) || groups < 1 || batch % groups !== 0) {
    throw new SsdetError(
      'SHUFFLE_BN_BAD_BATCH',
      `Shuffle-BN splits a batch of ${batch} images into shuffleBnGroups = ${groups} equal groups; ${batch} is not divisible by ${groups}.`,
      {
        hint: 'Set shuffleBnGroups to a divisor of train.batchSize.',
      },
    );
  }
  if (
    order !== undefined &&
    (order.length !== batch ||
      new Set(order).size !== batch ||
      order.some((i) => !Number.isInteger(i) || i < 0 || i >= batch))
  ) {
    throw new SsdetError(
      'SHUFFLE_BN_BAD_INPUT',
      `encodeInGroups: order must be a permutation of 0…${batch - 1}.`,
    );
  }
  return tf.tidy(() => {
    const shuffled =
      order === undefined
        ? images
        : (tf.gather(images, tf.tensor1d(Int32Array.from(order), 'int32')) as tf.Tensor4D);
    const size = batch / groups;
    const parts = Array.from({ length: groups }, (_, g) =>
      encode(tf.slice(shuffled, [g * size, 0, 0, 0], [size, -1, -1, -1]), g),
    );
    const joined: Record<string, tf.Tensor> = {};
    const inverse =
      order === undefined ? undefined : tf.tensor1d(inversePermutation(order), 'int32');
    for (const name of Object.keys(parts[0]!) as (keyof Output & string)[]) {
      const all =
        parts.length === 1
          ? parts[0]![name]
          : tf.concat(
              parts.map((part) => part[name]),
              0,
            );
      joined[name] = inverse === undefined ? all : tf.gather(all, inverse);
    }
    return joined as unknown as Output;
  });
}

/**
 * The training-mode forward options of shuffle-BN group `group`. Under DDP each GPU's BatchNorm
 * updates its running statistics once per step from its own sub-batch, and the exported model
 * is rank 0's; so here group 0 (rank 0's sub-batch) updates them, once per step, and the other
 * groups normalise with their own batch statistics without touching the running averages.
 */
export function replicaForwardOptions(group: number): ForwardOptions {
  return { training: true, updateRunningStats: group === 0 };
}

function inversePermutation(order: readonly number[]): Int32Array {
  const inverse = new Int32Array(order.length);
  order.forEach((source, position) => {
    inverse[source] = position;
  });
  return inverse;
}
