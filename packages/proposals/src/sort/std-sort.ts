import { proposalKernels } from '../native/proposal-kernels.js';

/**
 * `std::sort` exactly as GCC's libstdc++ implements it (introsort: median-of-three pivot moved to
 * the front, unguarded Hoare partition, recursion on the right part, heapsort below
 * 2·⌊log₂ n⌋ levels, then one insertion sort over the whole range with the 16-element threshold).
 *
 * Why replicate an unstable sort: OpenCV's graph segmentation, Selective Search and EdgeBoxes
 * sort with `std::sort`, and equal keys (duplicated graph edges, equal box scores) are
 * common; which of them comes first changes the output. Replaying the same algorithm gives the
 * same order of ties as the reference build (Debian's OpenCV is built with GCC).
 *
 * Sorts `keys` ascending with `<` and applies the same moves to `payload`.
 */
export function stdSort(keys: Float32Array | Float64Array, payload: Int32Array): void {
  const n = keys.length;
  if (payload.length !== n) throw new RangeError('stdSort: keys and payload differ in length');
  if (n < 2) return;
  const native = n >= NATIVE_MIN_LENGTH ? proposalKernels() : undefined;
  if (native !== undefined) {
    // The real libstdc++ std::sort: the same moves as the replay below.
    if (keys instanceof Float32Array) native.stdSortFloat32(keys, payload);
    else native.stdSortFloat64(keys, payload);
    return;
  }
  introsortLoop(keys, payload, 0, n, 2 * Math.floor(Math.log2(n)));
  finalInsertionSort(keys, payload, 0, n);
}

const THRESHOLD = 16;

/** Below this length the replay beats the call into C++ and its copies. */
const NATIVE_MIN_LENGTH = 256;

function swap(keys: Float32Array | Float64Array, payload: Int32Array, a: number, b: number): void {
  const k = keys[a]!;
  keys[a] = keys[b]!;
  keys[b] = k;
  const p = payload[a]!;
  payload[a] = payload[b]!;
  payload[b] = p;
}

function introsortLoop(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  first: number,
  last: number,
  depthLimit: number,
): void {
  while (last - first > THRESHOLD) {
    if (depthLimit === 0) {
      heapSort(keys, payload, first, last);
      return;
    }
    depthLimit--;
    const cut = partitionPivot(keys, payload, first, last);
    introsortLoop(keys, payload, cut, last, depthLimit);
    last = cut;
  }
}

function partitionPivot(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  first: number,
  last: number,
): number {
  const mid = first + ((last - first) >> 1);
  const a = first + 1;
  const c = last - 1;
  const ka = keys[a]!;
  const kb = keys[mid]!;
  const kc = keys[c]!;
  if (ka < kb) {
    if (kb < kc) swap(keys, payload, first, mid);
    else if (ka < kc) swap(keys, payload, first, c);
    else swap(keys, payload, first, a);
  } else if (ka < kc) swap(keys, payload, first, a);
  else if (kb < kc) swap(keys, payload, first, c);
  else swap(keys, payload, first, mid);
  // unguarded partition of [first + 1, last) around keys[first]
  const pivot = keys[first]!;
  let lo = first + 1;
  let hi = last;
  for (;;) {
    while (keys[lo]! < pivot) lo++;
    hi--;
    while (pivot < keys[hi]!) hi--;
    if (!(lo < hi)) return lo;
    swap(keys, payload, lo, hi);
    lo++;
  }
}

function finalInsertionSort(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  first: number,
  last: number,
): void {
  if (last - first > THRESHOLD) {
    insertionSort(keys, payload, first, first + THRESHOLD);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(keys, payload, i);
  } else {
    insertionSort(keys, payload, first, last);
  }
}

function insertionSort(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  first: number,
  last: number,
): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    const key = keys[i]!;
    if (key < keys[first]!) {
      const value = payload[i]!;
      keys.copyWithin(first + 1, first, i);
      payload.copyWithin(first + 1, first, i);
      keys[first] = key;
      payload[first] = value;
    } else {
      unguardedLinearInsert(keys, payload, i);
    }
  }
}

function unguardedLinearInsert(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  position: number,
): void {
  const key = keys[position]!;
  const value = payload[position]!;
  let last = position;
  let next = position - 1;
  while (key < keys[next]!) {
    keys[last] = keys[next]!;
    payload[last] = payload[next]!;
    last = next;
    next--;
  }
  keys[last] = key;
  payload[last] = value;
}

/** libstdc++'s `__partial_sort(first, last, last)`: make_heap then sort_heap. */
function heapSort(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  first: number,
  last: number,
): void {
  const len = last - first;
  if (len >= 2) {
    let parent = (len - 2) >> 1;
    for (;;) {
      adjustHeap(
        keys,
        payload,
        first,
        parent,
        len,
        keys[first + parent]!,
        payload[first + parent]!,
      );
      if (parent === 0) break;
      parent--;
    }
  }
  let end = last;
  while (end - first > 1) {
    end--;
    const key = keys[end]!;
    const value = payload[end]!;
    keys[end] = keys[first]!;
    payload[end] = payload[first]!;
    adjustHeap(keys, payload, first, 0, end - first, key, value);
  }
}

function adjustHeap(
  keys: Float32Array | Float64Array,
  payload: Int32Array,
  first: number,
  holeStart: number,
  len: number,
  key: number,
  value: number,
): void {
  const top = holeStart;
  let hole = holeStart;
  let child = holeStart;
  while (child < (len - 1) >> 1) {
    child = 2 * (child + 1);
    if (keys[first + child]! < keys[first + child - 1]!) child--;
    keys[first + hole] = keys[first + child]!;
    payload[first + hole] = payload[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === (len - 2) >> 1) {
    child = 2 * (child + 1);
    keys[first + hole] = keys[first + child - 1]!;
    payload[first + hole] = payload[first + child - 1]!;
    hole = child - 1;
  }
  // push_heap
  let parent = (hole - 1) >> 1;
  while (hole > top && keys[first + parent]! < key) {
    keys[first + hole] = keys[first + parent]!;
    payload[first + hole] = payload[first + parent]!;
    hole = parent;
    parent = (hole - 1) >> 1;
  }
  keys[first + hole] = key;
  payload[first + hole] = value;
}
