import { clamp01, type RgbImage } from './rgb-image.js';

/** torchvision `adjust_brightness`: x ← clamp(f·x, 0, 1), in place. */
export function adjustBrightness(image: RgbImage, factor: number): void {
  const { data } = image;
  for (let i = 0; i < data.length; i++) data[i] = clamp01(factor * data[i]!);
}
