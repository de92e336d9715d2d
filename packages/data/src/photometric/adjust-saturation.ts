import { clamp01, luma, type RgbImage } from './rgb-image.js';

/** torchvision `adjust_saturation`: x ← clamp(f·x + (1 − f)·luma(x), 0, 1) per pixel, in place. */
export function adjustSaturation(image: RgbImage, factor: number): void {
  const { data } = image;
  const keep = 1 - factor;
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const gray = keep * luma(r, g, b);
    data[i] = clamp01(factor * r + gray);
    data[i + 1] = clamp01(factor * g + gray);
    data[i + 2] = clamp01(factor * b + gray);
  }
}
