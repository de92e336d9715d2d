import { describe, expect, it } from 'vitest';
import { float32Bits, float32FromBits, float64Fraction, fmaFloat32 } from './single-precision.js';

describe('single-precision helpers', () => {
  it('fmaFloat32 rounds once where rounding to float64 first would land on a binary32 midpoint', () => {
    // a·b = 2⁻²⁴ + 2⁻⁶⁰: 1 + a·b lies just above the midpoint 1 + 2⁻²⁴ of 1 and 1 + 2⁻²³,
    // but rounds to that midpoint in float64, and then to even (1) in binary32.
    const a = 1 + 2 ** -12;
    const b = 2 ** -24 * (1 - 2 ** -12 + 2 ** -24);
    expect(Math.fround(a * b + 1)).toBe(1);
    expect(fmaFloat32(a, b, 1)).toBe(1 + 2 ** -23);
    // Mirror image: just below the midpoint between −1 and −(1 + 2⁻²³).
    expect(fmaFloat32(-a, b, -1)).toBe(-(1 + 2 ** -23));
    // Exactly on the midpoint: ties to even.
    expect(fmaFloat32(2 ** -12, 2 ** -12, 1)).toBe(1);
  });

  it('fmaFloat32 equals the float64 result rounded once everywhere else', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.fround((seed / 2 ** 31) * 2 - 1);
    };
    for (let i = 0; i < 10000; i++) {
      const [a, b, c] = [random(), random() * 1000, random()];
      expect(fmaFloat32(a, b, c)).toBe(Math.fround(a * b + c));
    }
  });

  it('reads and writes binary32 and float64 bits', () => {
    expect(float32Bits(1)).toBe(0x3f800000);
    expect(float32FromBits(0x3fc00000)).toBe(1.5);
    expect(float64Fraction(1 + 2 ** -52)).toEqual([0, 1]);
    expect(float64Fraction(1.5)).toEqual([0x80000, 0]);
  });
});
