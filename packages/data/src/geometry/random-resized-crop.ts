import type { Rng } from '@ssdet/core';
import type { Box } from './view-geometry.js';

export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's. torchvision default (0.08, 1). */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h, sampled log-uniformly. Default (3/4, 4/3). */
  readonly ratio?: readonly [number, number];
}

/**
 * The crop box of `torchvision.transforms.RandomResizedCrop.get_params`, exactly: up to 10 tries
 * of an area fraction ~ U(scale) and a log-uniform aspect ratio, sizes rounded half-to-even as
 * Python's `round`; if no try fits, a centre crop clamped to the ratio range.
 * Returns integer `[x0, y0, x1, y1]`.
 */
export function sampleRandomResizedCrop(
  rng: Rng,
  width: number,
  height: number,
  options: RandomResizedCropOptions = {},
): Box {
  const [minScale, maxScale] = options.scale ?? [0.08, 1];
  const [minRatio, maxRatio] = options.ratio ?? [3 / 4, 4 / 3];
  const area = width * height;
  const logMin = Math.log(minRatio);
  const logMax = Math.log(maxRatio);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(minScale, maxScale);
    const aspect = Math.exp(rng.uniform(logMin, logMax));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const y = rng.int(0, height - h + 1);
      const x = rng.int(0, width - w + 1);
      return [x, y, x + w, y + h];
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < minRatio) {
    h = roundHalfEven(w / minRatio);
  } else if (inRatio > maxRatio) {
    w = roundHalfEven(h * maxRatio);
  }
  const y = Math.floor((height - h) / 2);
  const x = Math.floor((width - w) / 2);
  return [x, y, x + w, y + h];
}

/**
 * Round half to even: Python 3's `round` and OpenCV's `cvRound` (the x86 conversion
 * instruction) — halves go to the even neighbour.
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
