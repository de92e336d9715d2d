import { SsdetError } from '@ssdet/core';
import type { RgbImage } from '../photometric/rgb-image.js';

/**
 * `image` (HWC floats) in the top-left corner of a `side × side` canvas of zeros: how the
 * DETR-family methods give every view of a batch one shape while keeping each image's own size
 * (its geometry), the rest being the padding DETR's pixel mask marks.
 */
export function topLeftCanvas(image: RgbImage, side: number): Float32Array {
  const { width, height, data } = image;
  if (width > side || height > side) {
    throw new SsdetError(
      'DATA_CANVAS',
      `topLeftCanvas: a ${width} × ${height} image does not fit a ${side} × ${side} canvas.`,
    );
  }
  const canvas = new Float32Array(side * side * 3);
  for (let y = 0; y < height; y++) {
    canvas.set(data.subarray(y * width * 3, (y + 1) * width * 3), y * side * 3);
  }
  return canvas;
}
