import { clamp01, luma, type RgbImage } from './rgb-image.js';

/**
 * torchvision `adjust_contrast`: x ← clamp(f·x + (1 − f)·μ, 0, 1), in place, where μ is the mean
 * luma of the whole image.
 */
export function adjustContrast(image: RgbImage, factor: number): void {
  const { data } = image;
  let sum = 0;
  for (let i = 0; i < data.length; i += 3) sum += luma(data[i]!, data[i + 1]!, data[i + 2]!);
  const offset = ((1 - factor) * sum) / (data.length / 3);
  for (let i = 0; i < data.length; i++) data[i] = clamp01(factor * data[i]! + offset);
}
