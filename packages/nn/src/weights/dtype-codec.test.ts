import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToNumber,
  decodeElements,
  encodeElements,
  halfBitsToNumber,
  numberToBfloat16Bits,
  numberToHalfBits,
} from './dtype-codec.js';

describe('float16 / bfloat16 conversion', () => {
  it('decodes known binary16 bit patterns exactly', () => {
    expect(halfBitsToNumber(0x3c00)).toBe(1);
    expect(halfBitsToNumber(0xc000)).toBe(-2);
    expect(halfBitsToNumber(0x7bff)).toBe(65504);
    expect(halfBitsToNumber(0x0001)).toBe(2 ** -24);
    expect(halfBitsToNumber(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(halfBitsToNumber(0x7e00))).toBe(true);
  });

  it('encodes with round-to-nearest-even, overflow to infinity and underflow to zero', () => {
    expect(numberToHalfBits(1)).toBe(0x3c00);
    // 1 + 2^-11 is exactly halfway between 1 and 1 + 2^-10: ties to the even mantissa (1).
    expect(numberToHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(numberToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(numberToHalfBits(70000)).toBe(0x7c00);
    expect(numberToHalfBits(-(2 ** -30))).toBe(0x8000);
    expect(numberToHalfBits(3 * 2 ** -25)).toBe(0x0002); // subnormal tie 1.5 ulp → 2
    for (let bits = 0; bits < 0x7c00; bits += 37)
      expect(numberToHalfBits(halfBitsToNumber(bits))).toBe(bits);
  });

  it('round-trips bfloat16 and rounds to nearest even', () => {
    expect(numberToBfloat16Bits(1)).toBe(0x3f80);
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(numberToBfloat16Bits(1 + 2 ** -8))).toBe(1); // tie → even
    expect(bfloat16BitsToNumber(numberToBfloat16Bits(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6);
    expect(Number.isNaN(bfloat16BitsToNumber(numberToBfloat16Bits(NaN)))).toBe(true);
  });
});

describe('decodeElements / encodeElements', () => {
  it('round-trips every dtype', () => {
    const floats = new Float32Array([0, -1.5, 3.25, 1024]);
    for (const dtype of ['F32', 'F64', 'F16', 'BF16'] as const) {
      const bytes = encodeElements(floats, dtype, 't');
      expect(Array.from(decodeElements(bytes, dtype, 4, 't'))).toEqual(Array.from(floats));
    }
    const ints = new Int32Array([0, 1, 7, 100]);
    for (const dtype of ['I64', 'I32', 'I16', 'I8', 'U8'] as const) {
      const bytes = encodeElements(ints, dtype, 't');
      expect(Array.from(decodeElements(bytes, dtype, 4, 't'))).toEqual([0, 1, 7, 100]);
    }
    const bools = encodeElements(new Int32Array([1, 0, 1]), 'BOOL', 't');
    expect(Array.from(bools)).toEqual([1, 0, 1]);
  });

  it('reads I64 little-endian including negatives, and refuses values beyond int32', () => {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setBigInt64(0, -5n, true);
    view.setBigInt64(8, 2n ** 31n - 1n, true);
    expect(Array.from(decodeElements(bytes, 'I64', 2, 't'))).toEqual([-5, 2 ** 31 - 1]);
    view.setBigInt64(8, 2n ** 31n, true);
    expect(() => decodeElements(bytes, 'I64', 2, 'file.pth, tensor "x"')).toThrow(
      /file\.pth, tensor "x": element 1 is 2147483648, outside the int32 range/,
    );
  });

  it('refuses values the target integer dtype cannot hold, and wrong byte counts', () => {
    expect(() => encodeElements(new Int32Array([256]), 'U8', 'y')).toThrow(
      /y: element 0 \(256\) is not representable as U8/,
    );
    expect(() => encodeElements(new Float32Array([0.5]), 'I32', 'y')).toThrow(
      /not representable as I32/,
    );
    expect(() => decodeElements(new Uint8Array(6), 'F32', 2, 'z')).toThrow(
      /z: 2 elements of F32 need 8 bytes; got 6/,
    );
  });
});
