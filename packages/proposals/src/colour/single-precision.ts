/**
 * IEEE single-precision helpers for reproducing tables that OpenCV builds with its `softfloat`
 * type (binary32, round-to-nearest-even after every operation).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new Uint32Array(f64.buffer);
// Index of the high word of a float64 in u64 (platform byte order).
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The bits of a binary32 value. */
export function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

/** The binary32 value with these bits. */
export function float32FromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** The 52 fraction bits of a float64, as [high 20 bits, low 32 bits]. */
export function float64Fraction(x: number): [number, number] {
  f64[0] = x;
  return [u64[HIGH]! & 0xfffff, u64[1 - HIGH]! >>> 0];
}

/**
 * The binary32 fused multiply-add a·b + c with one rounding (an FMA instruction; OpenCV's
 * `mulAdd` on softfloats). a·b of two binary32 values is exact in a float64; rounding the float64
 * sum again to binary32 can only err when that sum lands exactly on a binary32 midpoint, and
 * then the exact error of the sum (TwoSum) says which way the exact value lies.
 */
export function fmaFloat32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s) return r;
  // s is a midpoint between r and its neighbour exactly when 2s − r is a binary32 value.
  const other = 2 * s - r;
  if (Math.fround(other) !== other) return r;
  const bp = s - c;
  const error = p - bp + (c - (s - bp));
  if (error === 0) return r;
  return error > 0 === other > r ? other : r;
}
