/**
 * Float32Arrays of disposed native outputs, kept by length for the next output of that length.
 * Every large activation of a training step has the same size as one the previous step freed;
 * handing that memory back at once, instead of waiting for V8 to collect the array and glibc to
 * recycle it, avoids faulting in fresh pages for every output (about 5 ms per 25 MB here).
 *
 * Holds at most `maxBytes`; beyond that the oldest pooled arrays are dropped (left to the GC).
 */
export class OutputPool {
  private readonly byLength = new Map<number, Float32Array[]>();
  /** Every pooled array, oldest first (a Set: taking one out of the middle costs O(1), not a scan). */
  private readonly order = new Set<Float32Array>();
  private pooledBytes = 0;

  constructor(
    readonly maxBytes: number,
    /** Arrays shorter than this are not pooled: small allocations are cheap. */
    readonly minLength: number,
  ) {}

  /** A pooled array of exactly `length` elements (contents arbitrary), or undefined. */
  take(length: number): Float32Array | undefined {
    const bucket = this.byLength.get(length);
    const array = bucket?.pop();
    if (array === undefined) return undefined;
    this.pooledBytes -= array.byteLength;
    this.order.delete(array);
    return array;
  }

  /** Offers an array nothing references any more. */
  put(array: Float32Array): void {
    if (array.length < this.minLength || array.byteLength > this.maxBytes) return;
    let bucket = this.byLength.get(array.length);
    if (bucket === undefined) {
      bucket = [];
      this.byLength.set(array.length, bucket);
    }
    bucket.push(array);
    this.order.add(array);
    this.pooledBytes += array.byteLength;
    while (this.pooledBytes > this.maxBytes) {
      const oldest = this.order.values().next().value as Float32Array;
      this.order.delete(oldest);
      const oldBucket = this.byLength.get(oldest.length)!;
      oldBucket.splice(oldBucket.indexOf(oldest), 1);
      this.pooledBytes -= oldest.byteLength;
    }
  }

  get bytes(): number {
    return this.pooledBytes;
  }

  clear(): void {
    this.byLength.clear();
    this.order.clear();
    this.pooledBytes = 0;
  }
}
