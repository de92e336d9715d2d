import { SsdetError } from '@ssdet/core';

/** Part `index` of `count` equal-stride parts of a dataset (a cluster job array's task). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const WHOLE_DATASET: Shard = { index: 0, count: 1 };

/** Parses `i/n` (0 ≤ i < n), e.g. `--shard 3/16`. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) {
    throw new SsdetError(
      'REGIONS_BAD_SHARD',
      `--shard ${JSON.stringify(text)}: expected i/n with integers 0 ≤ i < n, e.g. 0/4.`,
    );
  }
  return checkShard({ index: Number(match[1]), count: Number(match[2]) });
}

export function checkShard(shard: Shard): Shard {
  const { index, count } = shard;
  if (
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    index < 0 ||
    index >= count
  ) {
    throw new SsdetError(
      'REGIONS_BAD_SHARD',
      `Shard ${index}/${count} is invalid: expected integers 0 ≤ index < count.`,
    );
  }
  return shard;
}

/**
 * The dataset indices of a shard: those with index mod count = shard index, in dataset order.
 * Strided rather than contiguous so that every shard gets a similar mix of image sizes.
 */
export function shardIndices(size: number, shard: Shard): number[] {
  checkShard(shard);
  const indices: number[] = [];
  for (let i = shard.index; i < size; i += shard.count) indices.push(i);
  return indices;
}
