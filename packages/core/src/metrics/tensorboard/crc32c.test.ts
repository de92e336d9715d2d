import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc32c } from './crc32c.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('of nothing is 0', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe('maskCrc32c', () => {
  it('rotates right by 15 and adds the TFRecord delta, mod 2^32', () => {
    expect(maskCrc32c(0)).toBe(0xa282ead8);
    // 1 rotated right by 15 is 1 << 17.
    expect(maskCrc32c(1)).toBe((0x20000 + 0xa282ead8) >>> 0);
    // 0xffffffff rotates to itself; the sum wraps.
    expect(maskCrc32c(0xffffffff)).toBe((0xffffffff + 0xa282ead8) % 2 ** 32);
  });
});
