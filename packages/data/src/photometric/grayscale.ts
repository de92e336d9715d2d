import { luma, type RgbImage } from './rgb-image.js';

/** torchvision `rgb_to_grayscale(num_output_channels=3)`: every channel ← luma, in place. */
export function grayscale(image: RgbImage): void {
  const { data } = image;
  for (let i = 0; i < data.length; i += 3) {
    const gray = luma(data[i]!, data[i + 1]!, data[i + 2]!);
    data[i] = gray;
    data[i + 1] = gray;
    data[i + 2] = gray;
  }
}
