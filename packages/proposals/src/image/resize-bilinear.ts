import type { DecodedImage } from '@ssdet/core';

/**
 * `cv2.resize(img, (width, height))` (INTER_LINEAR) for 8-bit RGB: pixel-centre aligned
 * bilinear sampling, source coordinate (d + 0.5)·s − 0.5 clamped to the border, OpenCV's 11-bit
 * fixed-point weights. Not bit-exact to OpenCV's SIMD path (can differ by 1 level).
 * Used for DETReg's squash of every image to 128 × 128 before Selective Search.
 */
export function resizeBilinear(image: DecodedImage, width: number, height: number): DecodedImage {
  const { width: sw, height: sh, pixels } = image;
  const out = new Uint8Array(width * height * 3);
  const xs = taps(sw, width);
  const ys = taps(sh, height);
  for (let y = 0; y < height; y++) {
    const y0 = ys.index[y]!;
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy1 = ys.weight[y]!;
    const wy0 = 2048 - wy1;
    for (let x = 0; x < width; x++) {
      const x0 = xs.index[x]!;
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx1 = xs.weight[x]!;
      const wx0 = 2048 - wx1;
      for (let c = 0; c < 3; c++) {
        const top = pixels[(y0 * sw + x0) * 3 + c]! * wx0 + pixels[(y0 * sw + x1) * 3 + c]! * wx1;
        const bottom =
          pixels[(y1 * sw + x0) * 3 + c]! * wx0 + pixels[(y1 * sw + x1) * 3 + c]! * wx1;
        out[(y * width + x) * 3 + c] = (top * wy0 + bottom * wy1 + (1 << 21)) >> 22;
      }
    }
  }
  return { width, height, pixels: out };
}

function taps(source: number, target: number): { index: Int32Array; weight: Int32Array } {
  const scale = source / target;
  const index = new Int32Array(target);
  const weight = new Int32Array(target);
  for (let d = 0; d < target; d++) {
    const s = (d + 0.5) * scale - 0.5;
    let i = Math.floor(s);
    let frac = s - i;
    if (i < 0) {
      i = 0;
      frac = 0;
    }
    if (i >= source - 1) {
      i = source - 1;
      frac = 0;
    }
    index[d] = i;
    weight[d] = Math.round(frac * 2048);
  }
  return { index, weight };
}
