/**
 * torchvision's brightness, contrast, saturation and grayscale on a PIL image (torchvision 0.14
 * `functional_pil`, Pillow 9.4), bit for bit, in place on interleaved 8-bit RGB. The first three
 * are `ImageEnhance` blends `Image.blend(degenerate, image, factor)` whose result Pillow
 * truncates to 8 bits; the float ops ({@link adjustBrightness} …) are torchvision's tensor path.
 */

import { imageKernels } from '../native/image-kernels.js';
import { fromPilBytes, toPilBytes, type RgbImage } from './rgb-image.js';

/** Pillow's `convert('L')`: ITU-R 601-2 luma in 16.16 fixed point, rounded. */
export function pilLuma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/**
 * One byte of Pillow's `ImagingBlend(degenerate, image, α)`: `degenerate + α·(value −
 * degenerate)` in C `float` (α itself a float32), truncated to 8 bits; clamped to [0, 255] first
 * when α is outside [0, 1].
 */
function blend(degenerate: number, value: number, alpha: number, extrapolate: boolean): number {
  const mixed = Math.fround(degenerate + Math.fround(alpha * (value - degenerate)));
  if (!extrapolate) return Math.trunc(mixed);
  return mixed <= 0 ? 0 : mixed >= 255 ? 255 : Math.trunc(mixed);
}

/** `ImageEnhance.Brightness(image).enhance(factor)`: a blend with black. */
export function pilAdjustBrightness(pixels: Uint8Array, factor: number): void {
  const native = imageKernels();
  if (native !== undefined) return native.pilAdjustBrightness(pixels, factor);
  const alpha = Math.fround(factor);
  const extrapolate = !(alpha >= 0 && alpha <= 1);
  for (let i = 0; i < pixels.length; i++) pixels[i] = blend(0, pixels[i]!, alpha, extrapolate);
}

/**
 * `ImageEnhance.Contrast(image).enhance(factor)`: a blend with a flat image of the mean luma,
 * rounded to an integer.
 */
export function pilAdjustContrast(pixels: Uint8Array, factor: number): void {
  const native = imageKernels();
  if (native !== undefined) return native.pilAdjustContrast(pixels, factor);
  const pixelCount = pixels.length / 3;
  if (pixelCount === 0) return;
  let sum = 0;
  for (let i = 0; i < pixels.length; i += 3)
    sum += pilLuma(pixels[i]!, pixels[i + 1]!, pixels[i + 2]!);
  // ImageStat's mean, then `int(mean + 0.5)`.
  const mean = Math.trunc(sum / pixelCount + 0.5);
  const alpha = Math.fround(factor);
  const extrapolate = !(alpha >= 0 && alpha <= 1);
  for (let i = 0; i < pixels.length; i++) pixels[i] = blend(mean, pixels[i]!, alpha, extrapolate);
}

/** `ImageEnhance.Color(image).enhance(factor)`: a blend with the image's own 8-bit luma. */
export function pilAdjustSaturation(pixels: Uint8Array, factor: number): void {
  const native = imageKernels();
  if (native !== undefined) return native.pilAdjustSaturation(pixels, factor);
  const alpha = Math.fround(factor);
  const extrapolate = !(alpha >= 0 && alpha <= 1);
  for (let i = 0; i < pixels.length; i += 3) {
    const gray = pilLuma(pixels[i]!, pixels[i + 1]!, pixels[i + 2]!);
    pixels[i] = blend(gray, pixels[i]!, alpha, extrapolate);
    pixels[i + 1] = blend(gray, pixels[i + 1]!, alpha, extrapolate);
    pixels[i + 2] = blend(gray, pixels[i + 2]!, alpha, extrapolate);
  }
}

/** `to_grayscale(image, 3)`: every channel ← Pillow's 8-bit luma. */
export function pilGrayscale(pixels: Uint8Array): void {
  const native = imageKernels();
  if (native !== undefined) return native.pilGrayscale(pixels);
  for (let i = 0; i < pixels.length; i += 3) {
    const gray = pilLuma(pixels[i]!, pixels[i + 1]!, pixels[i + 2]!);
    pixels[i] = gray;
    pixels[i + 1] = gray;
    pixels[i + 2] = gray;
  }
}

/**
 * {@link pilGrayscale} on a float image, in place: quantised to the 8-bit image PIL would hold
 * (`round(255·x)`), converted, written back as `k / 255`.
 */
export function pilGrayscaleImage(image: RgbImage): void {
  const bytes = toPilBytes(image);
  pilGrayscale(bytes);
  fromPilBytes(bytes, image.data);
}
