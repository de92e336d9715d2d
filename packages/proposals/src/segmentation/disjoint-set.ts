/**
 * Union–find over pixel indices in typed arrays: union by size, path halving. `find` returns
 * the representative; the partition it defines does not depend on which member represents it.
 */
export class DisjointSet {
  readonly parent: Int32Array;
  readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(p: number): number {
    const parent = this.parent;
    let x = p;
    while (parent[x] !== x) {
      const grand = parent[parent[x]!]!;
      parent[x] = grand;
      x = grand;
    }
    return x;
  }

  /** Joins two roots; returns the root of the union. */
  union(rootA: number, rootB: number): number {
    const size = this.size;
    let a = rootA;
    let b = rootB;
    if (size[a]! < size[b]!) {
      a = rootB;
      b = rootA;
    }
    this.parent[b] = a;
    size[a] = size[a]! + size[b]!;
    return a;
  }

  roots(): Int32Array {
    const n = this.parent.length;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.find(i);
    return out;
  }
}
