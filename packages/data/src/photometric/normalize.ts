import type { RgbImage } from './rgb-image.js';

export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** torchvision `normalize`: x ← (x − mean_c) / std_c per channel, in place. */
export function normalize(
  image: RgbImage,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): void {
  const { data } = image;
  const [m0, m1, m2] = [mean[0]!, mean[1]!, mean[2]!];
  const [s0, s1, s2] = [1 / std[0]!, 1 / std[1]!, 1 / std[2]!];
  for (let i = 0; i < data.length; i += 3) {
    data[i] = (data[i]! - m0) * s0;
    data[i + 1] = (data[i + 1]! - m1) * s1;
    data[i + 2] = (data[i + 2]! - m2) * s2;
  }
}
