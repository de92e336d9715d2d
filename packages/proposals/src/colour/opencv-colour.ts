import type { InterleavedImage } from '../image/interleaved-image.js';
import {
  LAB_CBRT_TABLE,
  LAB_COEFFICIENTS,
  LAB_GAMMA_TABLE,
  LAB_SHIFT,
  LAB_SHIFT2,
} from './opencv-lab-tables.js';

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

const descale = (x: number, n: number): number => (x + (1 << (n - 1))) >> n;
const clampByte = (x: number): number => (x < 0 ? 0 : x > 255 ? 255 : x);

/**
 * `COLOR_BGR2Lab` for 8-bit images, bit-exact to OpenCV 4 on all 2²⁴ colours (its `RGB2Lab_b`
 * integer path): sRGB gamma table with 3 fractional bits, XYZ with 12-bit coefficients
 * normalised to D65, f(t) = ∛t or the linear segment from a 15-bit table, L = 116f(Y) − 16
 * scaled to 0–255, a, b offset by 128. The tables are OpenCV's own, see `opencv-lab-tables.ts`.
 */
export function rgbToLab(image: InterleavedImage): InterleavedImage {
  const { data } = image;
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const gamma = LAB_GAMMA_TABLE;
  const cbrt = LAB_CBRT_TABLE;
  const c = LAB_COEFFICIENTS;
  // Local copies: hot loops must not re-read module bindings.
  const shift = LAB_SHIFT;
  const shift2 = LAB_SHIFT2;
  const lScale = Math.trunc((116 * 255 + 50) / 100);
  const lShift = -Math.trunc((16 * 255 * (1 << shift2) + 50) / 100);
  const abOffset = 128 * (1 << shift2);
  for (let i = 0; i < n; i++) {
    const R = gamma[data[i * 3]!]!;
    const G = gamma[data[i * 3 + 1]!]!;
    const B = gamma[data[i * 3 + 2]!]!;
    const fX = cbrt[descale(R * c[0]! + G * c[1]! + B * c[2]!, shift)]!;
    const fY = cbrt[descale(R * c[3]! + G * c[4]! + B * c[5]!, shift)]!;
    const fZ = cbrt[descale(R * c[6]! + G * c[7]! + B * c[8]!, shift)]!;
    out[i * 3] = clampByte(descale(lScale * fY + lShift, shift2));
    out[i * 3 + 1] = clampByte(descale(500 * (fX - fY) + abOffset, shift2));
    out[i * 3 + 2] = clampByte(descale(200 * (fY - fZ) + abOffset, shift2));
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
