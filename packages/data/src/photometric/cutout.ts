import type { RgbImage } from './rgb-image.js';
import type { Box } from '../geometry/view-geometry.js';

/** Fills the integer pixels of `box` (clipped to the image) with `value`, in place. */
export function cutout(image: RgbImage, box: Box, value = 0): void {
  const x0 = Math.max(0, Math.round(box[0]));
  const y0 = Math.max(0, Math.round(box[1]));
  const x1 = Math.min(image.width, Math.round(box[2]));
  const y1 = Math.min(image.height, Math.round(box[3]));
  for (let y = y0; y < y1; y++)
    image.data.fill(value, (y * image.width + x0) * 3, (y * image.width + x1) * 3);
}
