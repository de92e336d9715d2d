import type { ColorJitterDraw } from './color-jitter.js';
import { pilAdjustHue } from './pil-adjust-hue.js';
import { pilAdjustBrightness, pilAdjustContrast, pilAdjustSaturation } from './pil-enhance.js';
import { fromPilBytes, toPilBytes, type RgbImage } from './rgb-image.js';

/**
 * torchvision `ColorJitter` on a PIL image (torchvision 0.14, Pillow 9.4): a drawn jitter
 * ({@link drawColorJitter}) applied in its order, each adjustment an 8-bit Pillow operation, in
 * place. The official MoCo v2, DenseCL and SoCo views jitter this way; {@link applyColorJitter}
 * is the float (tensor-path) jitter.
 */
export function applyPilColorJitterBytes(pixels: Uint8Array, draw: ColorJitterDraw): void {
  for (const index of draw.order) {
    if (index === 0 && draw.brightness !== undefined) pilAdjustBrightness(pixels, draw.brightness);
    else if (index === 1 && draw.contrast !== undefined) pilAdjustContrast(pixels, draw.contrast);
    else if (index === 2 && draw.saturation !== undefined)
      pilAdjustSaturation(pixels, draw.saturation);
    else if (index === 3 && draw.hue !== undefined) pilAdjustHue(pixels, draw.hue);
  }
}

/**
 * {@link applyPilColorJitterBytes} on a float image, in place: quantised to the 8-bit image PIL
 * would hold (`round(255·x)`), jittered, written back as `k / 255`.
 */
export function applyPilColorJitter(image: RgbImage, draw: ColorJitterDraw): void {
  const bytes = toPilBytes(image);
  applyPilColorJitterBytes(bytes, draw);
  fromPilBytes(bytes, image.data);
}
