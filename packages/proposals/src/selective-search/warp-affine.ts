import { roundHalfEven } from '@ssdet/data';

/**
 * The pieces of OpenCV's geometry that its Selective Search texture features use, with OpenCV's
 * arithmetic: `getRotationMatrix2D`, `RotatedRect::boundingRect`, and `warpAffine` with bilinear
 * interpolation and a constant 0 border (coordinates in 1/32-pixel fixed point; 8-bit sources
 * with 15-bit integer weights, float sources with float weights).
 */

export type Affine = [number, number, number, number, number, number];

export function rotationMatrix(cx: number, cy: number, degrees: number): Affine {
  const angle = (degrees * Math.PI) / 180;
  const alpha = Math.cos(angle);
  const beta = Math.sin(angle);
  return [alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy];
}

/** `RotatedRect(center, size, angle).boundingRect()` → [x, y, width, height]. */
export function rotatedBoundingRect(
  cx: number,
  cy: number,
  width: number,
  height: number,
  degrees: number,
): [number, number, number, number] {
  const f = Math.fround;
  const angle = (degrees * Math.PI) / 180;
  const b = f(f(Math.cos(angle)) * 0.5);
  const a = f(f(Math.sin(angle)) * 0.5);
  const x0 = f(f(cx - f(a * height)) - f(b * width));
  const y0 = f(f(cy + f(b * height)) - f(a * width));
  const x1 = f(f(cx + f(a * height)) - f(b * width));
  const y1 = f(f(cy - f(b * height)) - f(a * width));
  const x2 = f(f(2 * cx) - x0);
  const y2 = f(f(2 * cy) - y0);
  const x3 = f(f(2 * cx) - x1);
  const y3 = f(f(2 * cy) - y1);
  const left = Math.floor(Math.min(x0, x1, x2, x3));
  const top = Math.floor(Math.min(y0, y1, y2, y3));
  const right = Math.ceil(Math.max(x0, x1, x2, x3));
  const bottom = Math.ceil(Math.max(y0, y1, y2, y3));
  return [left, top, right - left + 1, bottom - top + 1];
}

/** `warpAffine(src, dst, M, (outWidth, outHeight))`, INTER_LINEAR, BORDER_CONSTANT 0. */
export function warpAffine(
  source: Uint8Array | Float32Array,
  width: number,
  height: number,
  forward: Affine,
  outWidth: number,
  outHeight: number,
): Uint8Array | Float32Array {
  const [m0, m1, m2, m3, m4, m5] = forward;
  let det = m0 * m4 - m1 * m3;
  det = det !== 0 ? 1 / det : 0;
  const i0 = m4 * det;
  const i4 = m0 * det;
  const i1 = m1 * -det;
  const i3 = m3 * -det;
  const i2 = -i0 * m2 - i1 * m5;
  const i5 = -i3 * m2 - i4 * m5;
  const isByte = source instanceof Uint8Array;
  const out = isByte
    ? new Uint8Array(outWidth * outHeight)
    : new Float32Array(outWidth * outHeight);
  const adelta = new Int32Array(outWidth);
  const bdelta = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    adelta[x] = roundHalfEven(i0 * x * 1024);
    bdelta[x] = roundHalfEven(i3 * x * 1024);
  }
  const f = Math.fround;
  const at = (sx: number, sy: number): number =>
    sx >= 0 && sx < width && sy >= 0 && sy < height ? source[sy * width + sx]! : 0;
  for (let y = 0; y < outHeight; y++) {
    const x0 = roundHalfEven((i1 * y + i2) * 1024) + 16;
    const y0 = roundHalfEven((i4 * y + i5) * 1024) + 16;
    for (let x = 0; x < outWidth; x++) {
      const X = (x0 + adelta[x]!) >> 5;
      const Y = (y0 + bdelta[x]!) >> 5;
      const sx = X >> 5;
      const sy = Y >> 5;
      const fx = X & 31;
      const fy = Y & 31;
      if (sx >= width || sx + 1 < 0 || sy >= height || sy + 1 < 0) continue;
      const v00 = at(sx, sy);
      const v01 = at(sx + 1, sy);
      const v10 = at(sx, sy + 1);
      const v11 = at(sx + 1, sy + 1);
      if (isByte) {
        const sum =
          v00 * (32 - fy) * (32 - fx) * 32 +
          v01 * (32 - fy) * fx * 32 +
          v10 * fy * (32 - fx) * 32 +
          v11 * fy * fx * 32;
        const value = (sum + 16384) >> 15;
        out[y * outWidth + x] = value < 0 ? 0 : value > 255 ? 255 : value;
      } else {
        const wy0 = f(1 - fy / 32);
        const wy1 = f(fy / 32);
        const wx0 = f(1 - fx / 32);
        const wx1 = f(fx / 32);
        let s = f(v00 * f(wy0 * wx0));
        s = f(s + f(v01 * f(wy0 * wx1)));
        s = f(s + f(v10 * f(wy1 * wx0)));
        s = f(s + f(v11 * f(wy1 * wx1)));
        out[y * outWidth + x] = s;
      }
    }
  }
  return out;
}
