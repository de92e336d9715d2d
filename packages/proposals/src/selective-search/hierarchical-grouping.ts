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
 * Selective Search's hierarchical grouping (Uijlings et al. 2013, Alg. 1) as OpenCV runs it:
 * repeatedly merge the most similar pair of neighbouring regions, recording every region ever
 * formed, until no neighbouring pairs remain (one region per connected group).
 *
 * OpenCV re-sorts its whole similarity list with `std::sort` after every merge and takes the
 * last element; here a binary max-heap with lazy deletion finds the same maximum in O(log n).
 * Only exact float ties can be broken differently (here: the pair created later wins).
 *
 * @param neighbours pairs (i, j), i < j, of initial segments that touch, in OpenCV's order.
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
  const active = new Uint8Array(capacity);
  active.fill(1, 0, segmentCount);
  const adjacency: Set<number>[] = [];
  for (let i = 0; i < segmentCount; i++) adjacency.push(new Set());
  const heap = new PairHeap();
  for (let e = 0; e < neighbours.length; e += 2) {
    const i = neighbours[e]!;
    const j = neighbours[e + 1]!;
    adjacency[i]!.add(j);
    adjacency[j]!.add(i);
    heap.push(strategy.similarity(i, j), i, j);
  }
  let count = segmentCount;
  while (heap.size > 0) {
    const { from, to } = heap.pop();
    if (!active[from] || !active[to]) continue;
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
    active[from] = 0;
    active[to] = 0;
    active[node] = 1;
    const merged = new Set<number>();
    for (const n of adjacency[from]!) if (n !== to) merged.add(n);
    for (const n of adjacency[to]!) if (n !== from) merged.add(n);
    adjacency[from] = new Set();
    adjacency[to] = new Set();
    adjacency.push(merged);
    for (const n of merged) {
      const set = adjacency[n]!;
      set.delete(from);
      set.delete(to);
      set.add(node);
      heap.push(strategy.similarity(workingId[node]!, workingId[n]!), node, n);
    }
  }
  return { rects: rects.subarray(0, count * 4), levels: levels.subarray(0, count), count };
}

/** Max-heap of (similarity, insertion order) → pair; later insertions win ties. */
class PairHeap {
  private keys: number[] = [];
  private orders: number[] = [];
  private froms: number[] = [];
  private tos: number[] = [];
  private inserted = 0;

  get size(): number {
    return this.keys.length;
  }

  push(key: number, from: number, to: number): void {
    this.keys.push(key);
    this.orders.push(this.inserted++);
    this.froms.push(from);
    this.tos.push(to);
    this.up(this.keys.length - 1);
  }

  pop(): { from: number; to: number } {
    const top = { from: this.froms[0]!, to: this.tos[0]! };
    const last = this.keys.length - 1;
    this.move(last, 0);
    this.keys.pop();
    this.orders.pop();
    this.froms.pop();
    this.tos.pop();
    if (this.keys.length > 0) this.down(0);
    return top;
  }

  private before(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka > kb || (ka === kb && this.orders[a]! > this.orders[b]!);
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from]!;
    this.orders[to] = this.orders[from]!;
    this.froms[to] = this.froms[from]!;
    this.tos[to] = this.tos[from]!;
  }

  private swap(a: number, b: number): void {
    for (const array of [this.keys, this.orders, this.froms, this.tos]) {
      const t = array[a]!;
      array[a] = array[b]!;
      array[b] = t;
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }
}
