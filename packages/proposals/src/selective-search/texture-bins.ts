import type { InterleavedImage } from '../image/interleaved-image.js';
import { reflect101 } from '../segmentation/gaussian-opencv.js';
import { rotatedBoundingRect, rotationMatrix, warpAffine } from './warp-affine.js';

/**
 * OpenCV Selective Search's texture descriptor, per pixel: for every channel, Scharr derivatives
 * in x and y on the image and on the image rotated by 45° (then rotated back), each split into
 * its positive and negative part — 8 "orientations" — each min–max scaled to 0–255 and cut into
 * 10 bins. (The paper uses Gaussian derivatives in 8 orientations; this is OpenCV's stand-in.)
 *
 * Returns `channels · 8` bin indices (0–9) per pixel, pixel-major.
 */
export function textureBins(image: InterleavedImage): Uint8Array {
  const { width, height, channels } = image;
  const n = width * height;
  const planes = channels * 8;
  const bins = new Uint8Array(n * planes);
  const binOf = new Uint8Array(256);
  const step = Math.fround(256 / 10);
  for (let v = 0; v < 256; v++) binOf[v] = Math.trunc(Math.fround(v / step));

  const cx = Math.fround(width / 2);
  const cy = Math.fround(height / 2);
  const rot = rotationMatrix(cx, cy, 45);
  const bbox = rotatedBoundingRect(cx, cy, width, height, 45);
  rot[2] += bbox[2] / 2 - cx;
  rot[5] += bbox[3] / 2 - cy;
  const rw = bbox[2];
  const rh = bbox[3];
  const backCx = Math.trunc(rw / 2);
  const backCy = Math.trunc(rh / 2);
  const back = rotationMatrix(backCx, backCy, -45);
  const bbox2 = rotatedBoundingRect(backCx, backCy, rw, rh, -45);
  const startX = Math.max(0, Math.trunc((bbox[2] - width) / 2));
  const startY = Math.max(0, Math.trunc((bbox[3] - height) / 2));

  for (let c = 0; c < channels; c++) {
    const plane = new Uint8Array(n);
    for (let i = 0; i < n; i++) plane[i] = image.data[i * channels + c]!;
    const gradients: Float32Array[] = [
      scharr(plane, width, height, 1, 0),
      scharr(plane, width, height, 0, 1),
    ];
    const rotated = warpAffine(plane, width, height, rot, rw, rh) as Uint8Array;
    for (const [dx, dy] of [
      [1, 0],
      [0, 1],
    ] as const) {
      const g = scharr(rotated, rw, rh, dx, dy);
      const backRotated = warpAffine(g, rw, rh, back, bbox2[2], bbox2[3]) as Float32Array;
      const crop = new Float32Array(n);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const sy = startY + y;
          const sx = startX + x;
          crop[y * width + x] =
            sy < bbox2[3] && sx < bbox2[2] ? backRotated[sy * bbox2[2] + sx]! : 0;
        }
      }
      gradients.push(crop);
    }
    for (let g = 0; g < 4; g++) {
      const gradient = gradients[g]!;
      for (let sign = 0; sign < 2; sign++) {
        const part = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const v = gradient[i]!;
          part[i] = sign === 0 ? (v > 0 ? v : 0) : v > 0 ? 0 : v;
        }
        const bytes = toBytesMinMax(part);
        const planeIndex = c * 8 + g * 2 + sign;
        for (let i = 0; i < n; i++) bins[i * planes + planeIndex] = binOf[bytes[i]!]!;
      }
    }
  }
  return bins;
}

/** `Scharr(src, CV_32F, dx, dy)` with BORDER_REFLECT_101. */
function scharr(
  src: Uint8Array,
  width: number,
  height: number,
  dx: number,
  dy: number,
): Float32Array {
  const deriv = [-1, 0, 1];
  const smooth = [3, 10, 3];
  const kx = dx === 1 ? deriv : smooth;
  const ky = dy === 1 ? deriv : smooth;
  const rows = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = 0; i < 3; i++) s += kx[i]! * src[y * width + reflect101(x + i - 1, width)]!;
      rows[y * width + x] = s;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += ky[j]! * rows[reflect101(y + j - 1, height) * width + x]!;
      out[y * width + x] = s;
    }
  }
  return out;
}

/** `convertTo(CV_8U, 255/(max−min), −255·min/(max−min))`, rounding half to even. */
function toBytesMinMax(values: Float32Array): Uint8Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Uint8Array(values.length);
  if (!(max > min)) return out;
  const alpha = Math.fround(255 / (max - min));
  const beta = Math.fround((-255 * min) / (max - min));
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]! * alpha + beta);
    const floor = Math.floor(v);
    const diff = v - floor;
    let r = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
    if (r < 0) r = 0;
    else if (r > 255) r = 255;
    out[i] = r;
  }
  return out;
}
