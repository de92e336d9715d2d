/** Four 32-bit words: the key of an RNG stream. */
export type Words128 = readonly [number, number, number, number];

/**
 * Hashes `text` into 128 bits, salted with `salt` (the parent stream's key). A multiply–xor
 * construction in the style of MurmurHash3's finaliser: every input bit affects every output
 * bit, which is what makes forked streams look independent of each other.
 */
export function hash128(text: string, salt: Words128): Words128 {
  let h1 = (0x6a09e667 ^ salt[0]) >>> 0;
  let h2 = (0xbb67ae85 ^ salt[1]) >>> 0;
  let h3 = (0x3c6ef372 ^ salt[2]) >>> 0;
  let h4 = (0xa54ff53a ^ salt[3]) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ code, 0x239b961b);
    h2 = h3 ^ Math.imul(h2 ^ code, 0xab0e9789);
    h3 = h4 ^ Math.imul(h3 ^ code, 0x38b34ae5);
    h4 = h1 ^ Math.imul(h4 ^ code, 0xa1e38b93);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 0x239b961b);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 0xab0e9789);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 0x38b34ae5);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 0xa1e38b93);
  const a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
  return [
    finalise(a ^ h1),
    finalise(a ^ h2 ^ text.length),
    finalise(a ^ h3),
    finalise(a ^ h4 ^ 0x9e3779b9),
  ];
}

function finalise(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
