import { mergeSocoRegions, type SocoRegion } from './soco-region.js';
import { socoSimilarity } from './soco-similarity.js';

/** All regions of SoCo's hierarchy and how each merged one was formed. */
export interface SocoHierarchy {
  /** The initial regions, then one per merge in merge order (SoCo's `R` in insertion order). */
  readonly regions: readonly SocoRegion[];
  /** Per merge, the indices (into `regions`) of the two regions it joined. */
  readonly merges: readonly (readonly [number, number])[];
}

/**
 * SoCo's hierarchical grouping (`selective_search` in hologerry/SoCo), with Python's dict
 * semantics kept: the similarity table S is an insertion-ordered map seeded with the neighbour
 * pairs in order; each step
 * 1. takes the pair with the highest similarity — on ties the one inserted last (SoCo sorts the
 *    items stably by value and takes the last);
 * 2. appends the merged region t;
 * 3. removes every entry that mentions either part, remembering them in table order;
 * 4. for each removed entry other than the merged pair, inserts (t, other) with its similarity
 *    (an entry inserted twice keeps its first position).
 * It stops when S is empty, so regions that were never anybody's neighbour stay unmerged.
 */
export function socoHierarchicalGrouping(
  initial: readonly SocoRegion[],
  pairs: readonly (readonly [number, number])[],
  imageSize: number,
): SocoHierarchy {
  const regions = initial.slice();
  const merges: [number, number][] = [];
  // Keys encode (first, second); at most 2n − 1 regions ever exist.
  const capacity = Math.max(1, 2 * initial.length);
  const key = (a: number, b: number): number => a * capacity + b;
  const similarities = new Map<number, number>();
  for (const [a, b] of pairs) {
    similarities.set(key(a, b), socoSimilarity(regions[a]!, regions[b]!, imageSize));
  }
  while (similarities.size > 0) {
    let best = -Infinity;
    let bestKey = -1;
    for (const [k, value] of similarities) {
      if (value >= best) {
        best = value;
        bestKey = k;
      }
    }
    const i = Math.floor(bestKey / capacity);
    const j = bestKey % capacity;
    const t = regions.length;
    regions.push(mergeSocoRegions(regions[i]!, regions[j]!));
    merges.push([i, j]);

    const removed: number[] = [];
    for (const k of similarities.keys()) {
      const a = Math.floor(k / capacity);
      const b = k % capacity;
      if (a === i || b === i || a === j || b === j) removed.push(k);
    }
    for (const k of removed) similarities.delete(k);
    for (const k of removed) {
      if (k === bestKey) continue;
      const a = Math.floor(k / capacity);
      const b = k % capacity;
      const other = a === i || a === j ? b : a;
      similarities.set(key(t, other), socoSimilarity(regions[t]!, regions[other]!, imageSize));
    }
  }
  return { regions, merges };
}
