import type { Rng } from '@ssdet/core';

export interface EpochOrderOptions {
  /** Shuffle with `rng.fork('epoch-<n>')`; off gives the dataset's own order. Default true. */
  readonly shuffle?: boolean;
  /** This process's shard (`rank` of `worldSize`), like PyTorch's DistributedSampler. */
  readonly rank?: number;
  readonly worldSize?: number;
}

/**
 * The order in which one process visits the dataset in `epoch`. Every rank computes the same
 * permutation, pads it by wrapping around to a multiple of `worldSize` (as DistributedSampler
 * does, so ranks take equal steps) and takes every `worldSize`-th index starting at `rank`.
 */
export function epochOrder(
  size: number,
  rng: Rng,
  epoch: number,
  options: EpochOrderOptions = {},
): Int32Array {
  const worldSize = options.worldSize ?? 1;
  const rank = options.rank ?? 0;
  if (
    !Number.isInteger(worldSize) ||
    worldSize < 1 ||
    !Number.isInteger(rank) ||
    rank < 0 ||
    rank >= worldSize
  ) {
    throw new RangeError(`Invalid shard ${rank}/${worldSize}: need 0 ≤ rank < worldSize.`);
  }
  const order =
    options.shuffle === false
      ? Array.from({ length: size }, (_, i) => i)
      : rng.fork(`epoch-${epoch}`).permutation(size);
  const perRank = Math.ceil(size / worldSize);
  const shard = new Int32Array(perRank);
  for (let i = 0; i < perRank; i++) shard[i] = order[(rank + i * worldSize) % size]!;
  return shard;
}
