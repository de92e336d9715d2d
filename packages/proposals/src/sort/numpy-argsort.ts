/**
 * `np.argsort(values)` with NumPy's default `kind='quicksort'` as NumPy 1.24 implements it for
 * float64 (`aquicksort_`: median of three, partition with the pivot parked at `pr - 1`, the
 * smaller side first via an explicit stack, insertion sort below 17 elements, heapsort when the
 * depth budget 2·⌊log₂ n⌋ runs out).
 *
 * Why replicate it: scikit-image's `felzenszwalb` visits graph edges in this order, and the
 * order of equal costs (common on flat image areas) changes which segments merge.
 */
export function numpyArgsort(values: Float64Array): Int32Array {
  const n = values.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  const stackLow: number[] = [];
  const stackHigh: number[] = [];
  const stackDepth: number[] = [];
  let pl = 0;
  let pr = n - 1;
  let depth = 2 * Math.floor(Math.log2(n));
  for (;;) {
    if (depth < 0) {
      heapArgsort(values, order, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (values[order[pm]!]! < values[order[pl]!]!) swap(order, pm, pl);
        if (values[order[pr]!]! < values[order[pm]!]!) swap(order, pr, pm);
        if (values[order[pm]!]! < values[order[pl]!]!) swap(order, pm, pl);
        const pivot = values[order[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(order, pm, pj);
        for (;;) {
          do pi++;
          while (values[order[pi]!]! < pivot);
          do pj--;
          while (pivot < values[order[pj]!]!);
          if (pi >= pj) break;
          swap(order, pi, pj);
        }
        swap(order, pi, pr - 1);
        if (pi - pl < pr - pi) {
          stackLow.push(pi + 1);
          stackHigh.push(pr);
          pr = pi - 1;
        } else {
          stackLow.push(pl);
          stackHigh.push(pi - 1);
          pl = pi + 1;
        }
        stackDepth.push(--depth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = order[pi]!;
        const vp = values[vi]!;
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && vp < values[order[pk]!]!) {
          order[pj--] = order[pk--]!;
        }
        order[pj] = vi;
      }
    }
    if (stackLow.length === 0) break;
    pl = stackLow.pop()!;
    pr = stackHigh.pop()!;
    depth = stackDepth.pop()!;
  }
  return order;
}

const SMALL_QUICKSORT = 16;

function swap(order: Int32Array, a: number, b: number): void {
  const t = order[a]!;
  order[a] = order[b]!;
  order[b] = t;
}

/** NumPy's `aheapsort_` on `order[start .. start + n)` (1-based heap indexing). */
function heapArgsort(values: Float64Array, order: Int32Array, start: number, n: number): void {
  const at = (i: number): number => order[start + i - 1]!;
  const set = (i: number, v: number): void => {
    order[start + i - 1] = v;
  };
  for (let l = n >> 1; l > 0; --l) {
    const tmp = at(l);
    let i = l;
    for (let j = l << 1; j <= n; ) {
      if (j < n && values[at(j)]! < values[at(j + 1)]!) j += 1;
      if (values[tmp]! < values[at(j)]!) {
        set(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
  for (; n > 1; ) {
    const tmp = at(n);
    set(n, at(1));
    n -= 1;
    let i = 1;
    for (let j = 2; j <= n; ) {
      if (j < n && values[at(j)]! < values[at(j + 1)]!) j++;
      if (values[tmp]! < values[at(j)]!) {
        set(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
}
