/** A float RGB image, HWC, values in [0, 1] — what photometric transforms work on. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** 8-bit RGB → [0, 1] floats (torchvision's `to_tensor` scaling). */
export function toRgbImage(pixels: Uint8Array, width: number, height: number): RgbImage {
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = pixels[i]! / 255;
  return { width, height, data };
}

/** The luma torchvision uses for grayscale and contrast: 0.2989 R + 0.587 G + 0.114 B. */
export function luma(r: number, g: number, b: number): number {
  return 0.2989 * r + 0.587 * g + 0.114 * b;
}

export function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
