import { imageKernels } from '../native/image-kernels.js';

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

/** k / 255 for every 8-bit level k, as float32 (what `to_tensor` gives for a PIL image). */
const LEVELS = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/**
 * The 8-bit image PIL would hold for a float image in [0, 1]: `round(255·x)` after clamping. A
 * value that came from 8 bits (`k / 255`) comes back as `k`. For the ops that reproduce Pillow.
 */
export function toPilBytes(image: RgbImage): Uint8Array {
  const { data } = image;
  const native = imageKernels();
  if (native !== undefined) return native.toPilBytes(data);
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = Math.round(clamp01(data[i]!) * 255);
  return bytes;
}

/** Writes 8-bit levels back as `k / 255` into `out` (the inverse of {@link toPilBytes}). */
export function fromPilBytes(bytes: Uint8Array, out: Float32Array): void {
  const native = imageKernels();
  if (native !== undefined) return native.fromPilBytes(bytes, out);
  for (let i = 0; i < bytes.length; i++) out[i] = LEVELS[bytes[i]!]!;
}
