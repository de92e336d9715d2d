import { roundHalfEven } from '@ssdet/data';
import { float32Bits, float32FromBits, float64Fraction, fmaFloat32 } from './single-precision.js';

/**
 * The fixed-point tables of OpenCV 4's 8-bit `COLOR_BGR2Lab` (imgproc `color_lab.cpp`,
 * `RGB2Lab_b`), rebuilt exactly as OpenCV builds them, so that `rgbToLab` equals `cv2.cvtColor`
 * on every one of the 2²⁴ colours:
 * - the tables are computed in `softfloat` — binary32 — not in double precision: every
 *   intermediate here is rounded with `Math.fround`;
 * - the linear segment of f(t) uses OpenCV's exact constants, threshold (6/29)³ = 216/24389 and
 *   slope 841/108 (not the rounded 0.008856 and 7.787), as a fused multiply-add;
 * - ∛ is OpenCV's own softfloat cube root (Turkowski's rational approximation, its mantissa
 *   truncated, not rounded), not a correctly rounded one.
 */

/** Fractional bits of the linearised sRGB values. */
export const LAB_GAMMA_SHIFT = 3;
/** Fractional bits of the XYZ coefficients. */
export const LAB_SHIFT = 12;
/** Fractional bits of f(t). */
export const LAB_SHIFT2 = LAB_SHIFT + LAB_GAMMA_SHIFT;
/** Entries of the f(t) table: XYZ values up to 1.5 (in units of 1 / (255 · 2³)). */
const CBRT_TABLE_SIZE = (256 * 3 * (1 << LAB_GAMMA_SHIFT)) / 2;

const fround = Math.fround;

/** sRGB → XYZ (D65) and the D65 white point, as OpenCV states them. */
const SRGB_TO_XYZ = [
  0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227,
];
const D65_WHITE = [0.950456, 1, 1.088754];

/** OpenCV's sRGB decoding on a binary32 input, in double precision, rounded to binary32. */
function srgbToLinear(x: number): number {
  const threshold = 809 / 20000; // 0.04045
  const lowScale = 323 / 25; // 12.92
  const offset = 11 / 200; // 0.055
  return fround(x <= threshold ? x / lowScale : Math.pow((x + offset) / (1 + offset), 12 / 5));
}

/**
 * OpenCV's softfloat ∛x for binary32 x ≥ 0: split x = m · 2^(3q + r) with the mantissa scaled
 * into [1/8, 1), evaluate a quartic rational approximation of ∛ there in double precision, and
 * keep the top 23 fraction bits of the result (truncation) under the exponent q.
 */
export function openCvCbrt(x: number): number {
  if (x === 0) return 0;
  const bits = float32Bits(x);
  const exponent = ((bits >>> 23) & 0xff) - 127;
  let shift = exponent % 3;
  if (shift >= 0) shift -= 3;
  const rootExponent = (exponent - shift) / 3 - 1;
  const fr = (1 + (bits & 0x7fffff) / 0x800000) * 2 ** shift;
  // Turkowski's quartic rational approximation of ∛ on [1/8, 1) (coefficients as float64).
  const numerator =
    (((45.2548339756803 * fr + 192.2798368355061) * fr + 119.16548242855816) * fr +
      13.432501390862399) *
      fr +
    0.16361612265857542;
  const denominator =
    (((14.808840932191346 * fr + 151.97140510444356) * fr + 168.52544141015682) * fr +
      33.99059413502156) *
      fr +
    1;
  const approx = numerator / denominator;
  const [high, low] = float64Fraction(approx);
  const mantissa = (high << 3) | (low >>> 29);
  return float32FromBits((((rootExponent + 127) << 23) | mantissa) >>> 0);
}

/** sRGB byte → linear value in units of 1 / (255 · 2³). */
export const LAB_GAMMA_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  const scale = fround(255 * (1 << LAB_GAMMA_SHIFT));
  for (let i = 0; i < 256; i++) {
    table[i] = roundHalfEven(fround(scale * srgbToLinear(fround(i / 255))));
  }
  return table;
})();

/** XYZ value (units of 1 / (255 · 2³)) → f(t) · 2¹⁵, f(t) = ∛t above (6/29)³, linear below. */
export const LAB_CBRT_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(CBRT_TABLE_SIZE);
  const step = fround(1 / fround(255 * (1 << LAB_GAMMA_SHIFT)));
  const threshold = fround(216 / 24389);
  const slope = fround(841 / 108);
  const intercept = fround(16 / 116);
  const one = fround(1 << LAB_SHIFT2);
  for (let i = 0; i < CBRT_TABLE_SIZE; i++) {
    const x = fround(step * i);
    const f = x < threshold ? fmaFloat32(x, slope, intercept) : openCvCbrt(x);
    table[i] = roundHalfEven(fround(one * f));
  }
  return table;
})();

/**
 * XYZ-from-linear-RGB coefficients with 12 fractional bits, each row divided by the D65 white
 * point; row-major [X; Y; Z] × [R, G, B].
 */
export const LAB_COEFFICIENTS: Int32Array = (() => {
  const coefficients = new Int32Array(9);
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 3; column++) {
      coefficients[row * 3 + column] = roundHalfEven(
        ((1 << LAB_SHIFT) * SRGB_TO_XYZ[row * 3 + column]!) / D65_WHITE[row]!,
      );
    }
  }
  return coefficients;
})();
