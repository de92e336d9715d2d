import type { RgbImage } from './rgb-image.js';

/** torchvision `solarize`: x ← 1 − x where x ≥ threshold, in place (BYOL uses threshold 0.5). */
export function solarize(image: RgbImage, threshold: number): void {
  const { data } = image;
  for (let i = 0; i < data.length; i++) if (data[i]! >= threshold) data[i] = 1 - data[i]!;
}
