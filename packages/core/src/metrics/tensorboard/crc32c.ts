/** Castagnoli polynomial 0x1EDC6F41, bit-reversed for the LSB-first table algorithm. */
const CASTAGNOLI_REVERSED = 0x82f63b78;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? CASTAGNOLI_REVERSED ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32C (Castagnoli; iSCSI, ext4, TFRecord): reflected, initial value and final xor 0xFFFFFFFF.
 * Check value: crc32c("123456789") = 0xE3069283.
 */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's masked CRC: rotate right by 15 bits, then add 0xa282ead8 (mod 2³²). TensorFlow
 * masks because a CRC computed over data that itself embeds CRCs is weak.
 */
export function maskCrc32c(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
