/** Philox-4×32's multipliers and Weyl key increments (Salmon et al., SC 2011, table 2). */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/** The high 32 bits of the 64-bit product of two unsigned 32-bit integers, exactly. */
function mulHigh(a: number, b: number): number {
  const aLow = a & 0xffff;
  const aHigh = a >>> 16;
  const bLow = b & 0xffff;
  const bHigh = b >>> 16;
  const lowLow = aLow * bLow;
  const highLow = aHigh * bLow;
  // Below 2³³: exact in a double.
  const middle = (lowLow >>> 16) + (highLow & 0xffff) + aLow * bHigh;
  return (aHigh * bHigh + (highLow >>> 16) + Math.floor(middle / 65536)) >>> 0;
}

/**
 * Philox-4×32-10, the counter-based generator of Random123 (and of PyTorch's CUDA dropout):
 * four 32-bit words from a 128-bit counter and a 64-bit key, written into `out[0..3]`. Each of
 * ten rounds is
 *
 *   (hi₀, lo₀) = M₀·c₀,  (hi₁, lo₁) = M₁·c₂,  c ← (hi₁ ⊕ c₁ ⊕ k₀, lo₁, hi₀ ⊕ c₃ ⊕ k₁, lo₀)
 *
 * with the key advanced by (W₀, W₁) between rounds. Any word of a stream can be computed without
 * the ones before it, so a native kernel can split a stream across threads and still produce
 * exactly these numbers.
 */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  out: Uint32Array,
): void {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const high0 = mulHigh(M0, c0);
    const low0 = Math.imul(M0, c0) >>> 0;
    const high1 = mulHigh(M1, c2);
    const low1 = Math.imul(M1, c2) >>> 0;
    c0 = (high1 ^ c1 ^ k0) >>> 0;
    c1 = low1;
    c2 = (high0 ^ c3 ^ k1) >>> 0;
    c3 = low0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
