import { stdSort } from '../sort/std-sort.js';
import type { SimilarityStrategy } from './similarity.js';

/** One node of the grouping hierarchy: an initial segment (level 1) or a merge of two nodes. */
export interface GroupedRegions {
  /** [x0, y0, x1, y1) per node, in creation order (initial segments first). */
  readonly rects: Int32Array;
  /** 1 for initial segments, max(children) + 1 for merges. */
  readonly levels: Int32Array;
  readonly count: number;
}

/**
 * Selective Search's hierarchical grouping (Uijlings et al. 2013, Alg. 1) exactly as OpenCV runs
 * it: repeatedly merge the most similar pair of neighbouring regions, recording every region
 * ever formed, until no neighbouring pairs remain (one region per connected group).
 *
 * OpenCV keeps the pairs in a vector: each step it sorts the whole vector with `std::sort`, takes
 * the last pair, erases every pair touching the merged regions (keeping the order of the rest)
 * and appends the new region's pairs in the order their partners were met. Equal similarities
 * are common (the size and fill measures alone are multiples of 1/|image|), and which of the
 * tied pairs `std::sort` leaves last decides the hierarchy, so this replays that vector and,
 * whenever it holds equal keys, GCC's `std::sort` itself ({@link stdSort}). While all keys
 * differ the sorted order is unique, and the new pairs are merged in without a full sort.
 *
 * @param neighbours pairs (i, j), i < j, of initial segments that touch, sorted (OpenCV's order).
 */
export function hierarchicalGrouping(
  strategy: SimilarityStrategy,
  segmentRects: Int32Array,
  segmentCount: number,
  neighbours: Int32Array,
): GroupedRegions {
  const capacity = Math.max(1, 2 * segmentCount - 1);
  const rects = new Int32Array(capacity * 4);
  rects.set(segmentRects.subarray(0, segmentCount * 4));
  const levels = new Int32Array(capacity).fill(1);
  const workingId = new Int32Array(capacity);
  for (let i = 0; i < segmentCount; i++) workingId[i] = i;

  const pairs = new PairList(neighbours.length / 2);
  for (let e = 0; e < neighbours.length; e += 2) {
    const i = neighbours[e]!;
    const j = neighbours[e + 1]!;
    pairs.append(strategy.similarity(i, j), i, j);
  }
  let count = segmentCount;
  const partners: number[] = [];
  while (pairs.size > 0) {
    pairs.sort();
    const [from, to] = pairs.popLast();
    const node = count++;
    levels[node] = Math.max(levels[from]!, levels[to]!) + 1;
    for (let k = 0; k < 2; k++) {
      rects[node * 4 + k] = Math.min(rects[from * 4 + k]!, rects[to * 4 + k]!);
      rects[node * 4 + 2 + k] = Math.max(rects[from * 4 + 2 + k]!, rects[to * 4 + 2 + k]!);
    }
    const idFrom = workingId[from]!;
    const idTo = workingId[to]!;
    workingId[node] = Math.min(idFrom, idTo);
    strategy.merge(idFrom, idTo);
    pairs.removeTouching(from, to, partners);
    for (const partner of partners) {
      pairs.append(strategy.similarity(workingId[node]!, workingId[partner]!), node, partner);
    }
  }
  return { rects: rects.subarray(0, count * 4), levels: levels.subarray(0, count), count };
}

/** OpenCV's vector of (similarity, from, to), with the state needed to sort it as it does. */
class PairList {
  private keys: Float32Array;
  /** Index into froms / tos of each vector entry. */
  private ids: Int32Array;
  private froms: Int32Array;
  private tos: Int32Array;
  private created = 0;
  size = 0;
  /** Entries [0, sortedEnd) are sorted with all keys distinct; later ones were appended since. */
  private sortedEnd = 0;
  private distinct = false;

  constructor(initial: number) {
    const capacity = Math.max(16, initial);
    this.keys = new Float32Array(capacity);
    this.ids = new Int32Array(capacity);
    this.froms = new Int32Array(capacity);
    this.tos = new Int32Array(capacity);
  }

  append(key: number, from: number, to: number): void {
    if (this.created === this.froms.length) {
      this.froms = grow(this.froms);
      this.tos = grow(this.tos);
    }
    if (this.size === this.keys.length) {
      const keys = new Float32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      this.ids = grow(this.ids);
    }
    this.froms[this.created] = from;
    this.tos[this.created] = to;
    this.keys[this.size] = key;
    this.ids[this.size] = this.created++;
    this.size++;
  }

  /** `std::sort(v.begin(), v.end())` by similarity. */
  sort(): void {
    const n = this.size;
    const keys = this.keys;
    if (this.distinct && this.appendedAreNew()) {
      this.mergeAppended();
    } else {
      stdSort(keys.subarray(0, n), this.ids.subarray(0, n));
      this.distinct = true;
      for (let i = 1; i < n && this.distinct; i++)
        if (keys[i] === keys[i - 1]) this.distinct = false;
    }
    this.sortedEnd = n;
  }

  popLast(): [number, number] {
    this.size--;
    this.sortedEnd = Math.min(this.sortedEnd, this.size);
    const id = this.ids[this.size]!;
    return [this.froms[id]!, this.tos[id]!];
  }

  /**
   * Erases every entry touching `a` or `b`, keeping the order of the others, and lists their
   * other ends in order of first appearance.
   */
  removeTouching(a: number, b: number, partners: number[]): void {
    partners.length = 0;
    const { keys, ids, froms, tos } = this;
    let kept = 0;
    let keptSorted = 0;
    for (let i = 0; i < this.size; i++) {
      const id = ids[i]!;
      const from = froms[id]!;
      const to = tos[id]!;
      if (from === a || from === b || to === a || to === b) {
        const other = from === a || from === b ? to : from;
        if (!partners.includes(other)) partners.push(other);
      } else {
        keys[kept] = keys[i]!;
        ids[kept] = id;
        kept++;
        if (i < this.sortedEnd) keptSorted++;
      }
    }
    this.size = kept;
    this.sortedEnd = keptSorted;
  }

  /** Whether the appended keys differ from each other and from every sorted key. */
  private appendedAreNew(): boolean {
    const keys = this.keys;
    for (let i = this.sortedEnd; i < this.size; i++) {
      const key = keys[i]!;
      for (let j = this.sortedEnd; j < i; j++) if (keys[j] === key) return false;
      let lo = 0;
      let hi = this.sortedEnd;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keys[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
      if (lo < this.sortedEnd && keys[lo] === key) return false;
    }
    return true;
  }

  /** Merges the appended entries into the sorted prefix (the unique sorted order). */
  private mergeAppended(): void {
    const { keys, ids } = this;
    const start = this.sortedEnd;
    const tailKeys = Array.from(keys.subarray(start, this.size));
    const tailIds = Array.from(ids.subarray(start, this.size));
    const order = tailKeys.map((_, i) => i).sort((x, y) => tailKeys[x]! - tailKeys[y]!);
    let i = start - 1;
    let j = order.length - 1;
    for (let w = this.size - 1; j >= 0; w--) {
      const t = order[j]!;
      if (i >= 0 && keys[i]! > tailKeys[t]!) {
        keys[w] = keys[i]!;
        ids[w] = ids[i]!;
        i--;
      } else {
        keys[w] = tailKeys[t]!;
        ids[w] = tailIds[t]!;
        j--;
      }
    }
  }
}

function grow(array: Int32Array): Int32Array {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}
