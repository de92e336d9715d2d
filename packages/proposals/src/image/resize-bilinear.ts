import type { DecodedImage } from '@ssdet/core';
import { roundHalfEven } from '@ssdet/data';

/** Fractional bits of OpenCV's 8-bit resize weights (`INTER_RESIZE_COEF_BITS`). */
const COEF_BITS = 11;
const COEF_ONE = 1 << COEF_BITS;

/** One output coordinate's two source indices and 11-bit weights. */
interface Taps {
  readonly index0: Int32Array;
  readonly index1: Int32Array;
  readonly weight0: Int32Array;
  readonly weight1: Int32Array;
}

/**
 * `cv2.resize(img, (width, height))` (INTER_LINEAR) for 8-bit RGB, bit-exact to OpenCV 4.6 on
 * x86-64 for downscales and upscales. It follows OpenCV's integer path, not textbook bilinear
 * interpolation:
 * - source coordinate (d + 0.5)·s − 0.5 with s = 1 / (dst / src) in double precision, then
 *   rounded to binary32; each of the two weights 1 − f and f is rounded to 11 bits on its own
 *   (ties to even), so they need not sum to 2048;
 * - columns left of the first pixel or right of the last take that pixel (weights 2048, 0);
 *   rows keep their weights but read the clamped row;
 * - horizontal pass exact in integers (H = weights · bytes); vertical pass rounded as OpenCV's
 *   8-bit specialisation (vector and scalar code alike) rounds it,
 *   (((w0·(H0 >> 4)) >> 16) + ((w1·(H1 >> 4)) >> 16) + 2) >> 2 — not (w0·H0 + w1·H1 + 2²¹) >> 22;
 * - OpenCV hands an exact 2× reduction on both axes to its INTER_AREA code, (2×2 sum + 2) >> 2;
 *   with weights 1024, 1024 the formula above gives exactly that, so no special case is needed.
 * Used for DETReg's squash of every image to 128 × 128 before Selective Search.
 */
export function resizeBilinear(image: DecodedImage, width: number, height: number): DecodedImage {
  const { width: sw, height: sh, pixels } = image;
  if (width === sw && height === sh) return { width, height, pixels: pixels.slice() };
  const channels = 3;
  const xs = taps(sw, width, 'columns');
  const ys = taps(sh, height, 'rows');
  const rowBytes = width * channels;
  // Byte offsets of each output pixel's two source pixels within a row.
  const offset0 = new Int32Array(width);
  const offset1 = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    offset0[x] = xs.index0[x]! * channels;
    offset1[x] = xs.index1[x]! * channels;
  }
  const { weight0, weight1 } = xs;
  // The horizontal pass of the (at most two) source rows the current output row reads.
  let top = new Int32Array(rowBytes);
  let bottom = new Int32Array(rowBytes);
  let topRow = -1;
  let bottomRow = -1;
  const horizontal = (row: Int32Array, sy: number): void => {
    const base = sy * sw * channels;
    for (let x = 0, i = 0; x < width; x++, i += 3) {
      const a = base + offset0[x]!;
      const b = base + offset1[x]!;
      const w0 = weight0[x]!;
      const w1 = weight1[x]!;
      row[i] = pixels[a]! * w0 + pixels[b]! * w1;
      row[i + 1] = pixels[a + 1]! * w0 + pixels[b + 1]! * w1;
      row[i + 2] = pixels[a + 2]! * w0 + pixels[b + 2]! * w1;
    }
  };
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const sy0 = ys.index0[y]!;
    const sy1 = ys.index1[y]!;
    if (sy0 !== topRow) {
      if (sy0 === bottomRow) {
        const previous = top;
        top = bottom;
        bottom = previous;
        topRow = bottomRow;
        bottomRow = -1;
      } else {
        horizontal(top, sy0);
        topRow = sy0;
      }
    }
    if (sy1 !== bottomRow) {
      if (sy1 === topRow) bottom.set(top);
      else horizontal(bottom, sy1);
      bottomRow = sy1;
    }
    const b0 = ys.weight0[y]!;
    const b1 = ys.weight1[y]!;
    const offset = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      // ≤ 255: the weights of a row sum to at most 2049, so no clamp is needed (OpenCV has none).
      out[offset + i] = (((b0 * (top[i]! >> 4)) >> 16) + ((b1 * (bottom[i]! >> 4)) >> 16) + 2) >> 2;
    }
  }
  return { width, height, pixels: out };
}

/**
 * OpenCV's source positions and 11-bit weights along one axis. Outside the image, columns take
 * the border pixel with weights (2048, 0); rows keep their computed weights and read the border
 * row twice.
 */
function taps(source: number, target: number, axis: 'columns' | 'rows'): Taps {
  const scale = 1 / (target / source);
  const index0 = new Int32Array(target);
  const index1 = new Int32Array(target);
  const weight0 = new Int32Array(target);
  const weight1 = new Int32Array(target);
  const last = source - 1;
  for (let d = 0; d < target; d++) {
    const position = Math.fround((d + 0.5) * scale - 0.5);
    const s = Math.floor(position);
    let f = Math.fround(position - s);
    if (axis === 'columns' && (s < 0 || s >= last)) {
      index0[d] = index1[d] = s < 0 ? 0 : last;
      f = 0;
    } else {
      index0[d] = Math.min(Math.max(s, 0), last);
      index1[d] = Math.min(Math.max(s + 1, 0), last);
    }
    weight0[d] = roundHalfEven(Math.fround(1 - f) * COEF_ONE);
    weight1[d] = roundHalfEven(f * COEF_ONE);
  }
  return { index0, index1, weight0, weight1 };
}
