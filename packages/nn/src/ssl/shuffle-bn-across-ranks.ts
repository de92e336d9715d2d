import { type ProcessGroup, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { concatAllGather } from './concat-all-gather.js';
import { encodeInGroups } from './shuffle-bn.js';

/**
 * Shuffle-BN over the ranks of a data-parallel run (MoCo's `_batch_shuffle_ddp` /
 * `_batch_unshuffle_ddp`), as one process would do it with {@link encodeInGroups} on the global
 * batch: with `localGroups` groups per rank there are `size · localGroups` groups in all, and
 * global group `rank · localGroups + g` is rank `rank`'s local group g. So `size` ranks with
 * sub-batch b give exactly what one process gives on the `size · b` images with
 * `shuffleBnGroups = size · localGroups` and the same `order`.
 *
 * Without `order` (queries) each rank encodes its own images in its own groups: no traffic.
 * With `order` (keys, a permutation of the global batch that every rank must pass alike, e.g.
 * drawn from the shared step stream), the ranks all-gather the images, rank r encodes the
 * shuffled images `order[r·b … (r+1)·b − 1]`, all-gathers the outputs and keeps its own images'
 * rows in its original order. The gathered path carries no gradient: it is for the momentum
 * encoder, as in the official code (`torch.no_grad()`).
 *
 * `encode` learns the global group index (see {@link replicaForwardOptions}: only group 0, on
 * rank 0, updates BatchNorm running statistics).
 */
export function encodeShuffledAcrossRanks<
  Output extends { readonly [Name in keyof Output]: tf.Tensor },
>(
  images: tf.Tensor4D,
  group: ProcessGroup,
  localGroups: number,
  encode: (images: tf.Tensor4D, globalGroup: number) => Output,
  order?: readonly number[],
): Output {
  const offset = group.rank * localGroups;
  const encodeLocal = (part: tf.Tensor4D, g: number): Output => encode(part, offset + g);
  if (group.size === 1) return encodeInGroups(images, localGroups, encodeLocal, order);
  if (order === undefined) return encodeInGroups(images, localGroups, encodeLocal);
  const local = images.shape[0];
  const total = local * group.size;
  if (order.length !== total)
    throw new SsdetError(
      'SHUFFLE_BN_BAD_INPUT',
      `encodeShuffledAcrossRanks: order must be a permutation of the global batch (${group.size} ranks × ${local} = ${total} images); got ${order.length} entries.`,
    );
  return tf.tidy(() => {
    const all = concatAllGather(images, group);
    const mine = order.slice(group.rank * local, (group.rank + 1) * local);
    const shuffled = tf.gather(all, tf.tensor1d(Int32Array.from(mine), 'int32')) as tf.Tensor4D;
    const encoded = encodeInGroups(shuffled, localGroups, encodeLocal);
    // Position p of the gathered outputs holds image order[p]; image i sits at inverse[i].
    const inverse = new Int32Array(total);
    order.forEach((image, position) => {
      inverse[image] = position;
    });
    const ownRows = tf.tensor1d(
      inverse.slice(group.rank * local, (group.rank + 1) * local),
      'int32',
    );
    const result: Record<string, tf.Tensor> = {};
    for (const name of Object.keys(encoded) as (keyof Output & string)[])
      result[name] = tf.gather(concatAllGather(encoded[name], group), ownRows);
    return result as unknown as Output;
  });
}
