import type { Rng, ViewGeometry } from '@ssdet/core';
import { shorterSideSize } from './resize-shorter-side.js';
import { cropGeometry, flipGeometry, identityGeometry, resizeGeometry } from './view-geometry.js';

/** DETR's training geometry (`make_coco_transforms('train')` in facebookresearch/detr). */
export interface DetrGeometryOptions {
  /** Shorter sides of the final `RandomResize(scales, max_size)`. */
  readonly scales: readonly number[];
  /** `max_size`: the longer side after the final resize is at most this. */
  readonly maxSize: number;
  /** `RandomHorizontalFlip` probability. */
  readonly flipP: number;
  /** `RandomSelect` probability of the plain resize; otherwise resize → random size crop → resize. */
  readonly plainResizeP: number;
  /** `RandomResize([400, 500, 600])` before the crop (no max size). */
  readonly cropResizes: readonly number[];
  /** `RandomSizeCrop(min, max)`: crop width and height drawn in [min, min(side, max)]. */
  readonly cropSize: readonly [number, number];
}

/**
 * Draws DETR's training geometry for a `width × height` image, as the DETR-family pre-training
 * methods (DETReg, ProSeCo, …) inherit it: `RandomHorizontalFlip`, then `RandomSelect` between
 * `RandomResize(scales, max_size)` and `RandomResize(cropResizes)` → `RandomSizeCrop(min, max)` →
 * `RandomResize(scales, max_size)`. The crop's width and height are drawn in [min, min(side,
 * max)] (Python's inclusive `randint`), its corner uniformly. DETR's size rule can overshoot
 * `max_size` by a pixel for extreme aspect ratios; the result is clamped to it.
 *
 * The draws, in order: flip (Bernoulli), plain-or-crop (Bernoulli), then for the crop branch the
 * pre-crop side, crop width, crop height, top and left, and finally the shorter side.
 */
export function drawDetrGeometry(
  width: number,
  height: number,
  options: DetrGeometryOptions,
  rng: Rng,
): ViewGeometry {
  const { scales, maxSize, cropResizes, cropSize } = options;
  let geometry = identityGeometry(width, height);
  if (rng.bernoulli(options.flipP)) geometry = flipGeometry(geometry);
  if (!rng.bernoulli(options.plainResizeP)) {
    const [h1, w1] = shorterSideSize(width, height, rng.choice(cropResizes));
    geometry = resizeGeometry(geometry, w1, h1);
    const cw = rng.int(Math.min(cropSize[0], w1), Math.min(w1, cropSize[1]) + 1);
    const ch = rng.int(Math.min(cropSize[0], h1), Math.min(h1, cropSize[1]) + 1);
    const top = rng.int(0, h1 - ch + 1);
    const left = rng.int(0, w1 - cw + 1);
    geometry = cropGeometry(geometry, [left, top, left + cw, top + ch], cw, ch);
  }
  const [h, w] = shorterSideSize(geometry.width, geometry.height, rng.choice(scales), maxSize);
  return resizeGeometry(geometry, Math.min(w, maxSize), Math.min(h, maxSize));
}
