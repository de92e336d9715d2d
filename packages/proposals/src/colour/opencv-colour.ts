import type { InterleavedImage } from '../image/interleaved-image.js';

/**
 * OpenCV's 8-bit colour conversions (`cvtColor` from BGR) for Selective Search, written for an
 * RGB input: the same integer arithmetic, so the segmentations and histograms built on them
 * match OpenCV's.
 */

const HSV_SHIFT = 12;
const saturationDivisor = new Int32Array(256);
const hueDivisor = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  saturationDivisor[i] = Math.round((255 << HSV_SHIFT) / i);
  hueDivisor[i] = Math.round((180 << HSV_SHIFT) / (6 * i));
}

/**
 * `COLOR_BGR2HSV` for 8-bit images: V = max, S = round(255·(V − min)/V), H = round(30·h′) with
 * h′ ∈ [0, 6) the hexcone sector position (so H ∈ [0, 180)), in OpenCV's fixed point (12 bits).
 */
export function rgbToHsv(image: InterleavedImage): InterleavedImage {
  const { data } = image;
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const half = 1 << (HSV_SHIFT - 1);
  for (let i = 0; i < n; i++) {
    const r = data[i * 3]!;
    const g = data[i * 3 + 1]!;
    const b = data[i * 3 + 2]!;
    const v = Math.max(r, g, b);
    const vmin = Math.min(r, g, b);
    const diff = v - vmin;
    const s = (diff * saturationDivisor[v]! + half) >> HSV_SHIFT;
    let h: number;
    if (v === r) h = g - b;
    else if (v === g) h = b - r + 2 * diff;
    else h = r - g + 4 * diff;
    h = (h * hueDivisor[diff]! + half) >> HSV_SHIFT;
    if (h < 0) h += 180;
    out[i * 3] = h > 255 ? 255 : h;
    out[i * 3 + 1] = s;
    out[i * 3 + 2] = v;
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

const GAMMA_SHIFT = 3;
const LAB_SHIFT = 12;
const LAB_SHIFT2 = 15;
const CBRT_TABLE_SIZE = (256 * 3 * (1 << GAMMA_SHIFT)) / 2;
function srgbToLinear(x: number): number {
  return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
}

// OpenCV 4 computes these tables in (soft) double precision.
const gammaTable = new Int32Array(256);
for (let i = 0; i < 256; i++)
  gammaTable[i] = Math.round(255 * (1 << GAMMA_SHIFT) * srgbToLinear(i / 255));
const cbrtTable = new Int32Array(CBRT_TABLE_SIZE);
for (let i = 0; i < CBRT_TABLE_SIZE; i++) {
  const x = i / (255 * (1 << GAMMA_SHIFT));
  const f = x < 0.008856 ? x * 7.787 + 16 / 116 : Math.cbrt(x);
  cbrtTable[i] = Math.round((1 << LAB_SHIFT2) * f);
}
const SRGB_TO_XYZ = [
  0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227,
];
const D65 = [0.950456, 1, 1.088754];
const labCoefficients = new Int32Array(9);
for (let i = 0; i < 3; i++) {
  for (let j = 0; j < 3; j++) {
    labCoefficients[i * 3 + j] = Math.round((SRGB_TO_XYZ[i * 3 + j]! * (1 << LAB_SHIFT)) / D65[i]!);
  }
}

const descale = (x: number, n: number): number => (x + (1 << (n - 1))) >> n;
const clampByte = (x: number): number => (x < 0 ? 0 : x > 255 ? 255 : x);

/**
 * `COLOR_BGR2Lab` for 8-bit images (OpenCV's bit-exact integer path): sRGB gamma table with 3
 * fractional bits, XYZ with 12-bit coefficients normalised to D65, f(t) = ∛t or 7.787t + 16/116
 * from a 15-bit table, L = 116f(Y) − 16 scaled to 0–255, a, b offset by 128.
 */
export function rgbToLab(image: InterleavedImage): InterleavedImage {
  const { data } = image;
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const c = labCoefficients;
  const lScale = Math.trunc((116 * 255 + 50) / 100);
  const lShift = -Math.trunc((16 * 255 * (1 << LAB_SHIFT2) + 50) / 100);
  for (let i = 0; i < n; i++) {
    const R = gammaTable[data[i * 3]!]!;
    const G = gammaTable[data[i * 3 + 1]!]!;
    const B = gammaTable[data[i * 3 + 2]!]!;
    const fX = cbrtTable[descale(R * c[0]! + G * c[1]! + B * c[2]!, LAB_SHIFT)]!;
    const fY = cbrtTable[descale(R * c[3]! + G * c[4]! + B * c[5]!, LAB_SHIFT)]!;
    const fZ = cbrtTable[descale(R * c[6]! + G * c[7]! + B * c[8]!, LAB_SHIFT)]!;
    out[i * 3] = clampByte(descale(lScale * fY + lShift, LAB_SHIFT2));
    out[i * 3 + 1] = clampByte(descale(500 * (fX - fY) + 128 * (1 << LAB_SHIFT2), LAB_SHIFT2));
    out[i * 3 + 2] = clampByte(descale(200 * (fY - fZ) + 128 * (1 << LAB_SHIFT2), LAB_SHIFT2));
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

/** `COLOR_BGR2GRAY` for 8-bit images: (9798 R + 19235 G + 3735 B + 2¹⁴) >> 15 (OpenCV 4's 15-bit path). */
export function rgbToGray(image: InterleavedImage): InterleavedImage {
  const { data } = image;
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      (data[i * 3]! * 9798 + data[i * 3 + 1]! * 19235 + data[i * 3 + 2]! * 3735 + 16384) >> 15;
  }
  return { width: image.width, height: image.height, channels: 1, data: out };
}

/** One channel of an interleaved image. */
export function channelOf(image: InterleavedImage, channel: number): InterleavedImage {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = image.data[i * image.channels + channel]!;
  return { width: image.width, height: image.height, channels: 1, data: out };
}

/** OpenCV quality mode's "rgI": red, green and the grey level as three channels. */
export function rgbToRgI(image: InterleavedImage): InterleavedImage {
  const gray = rgbToGray(image).data;
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = image.data[i * 3]!;
    out[i * 3 + 1] = image.data[i * 3 + 1]!;
    out[i * 3 + 2] = gray[i]!;
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}
