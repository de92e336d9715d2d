import type { Rng } from '@ssdet/core';

/**
 * `count` mask ids drawn uniformly, with replacement, among the ids present in one view's grid —
 * the official `sample_masks` (`detcon_b.py`: a categorical over ids with probability ∝
 * 1[present] + 1e-11, i.e. uniform over the present ones). The online and the target network use
 * the same draw.
 */
export function sampleMaskIds(gridIds: Int32Array, count: number, rng: Rng): Int32Array {
  const present = [...new Set(gridIds)].sort((a, b) => a - b);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = present[rng.int(0, present.length)]!;
  return out;
}
