import type { NativeJpegDecoder } from '@ssdet/backend-native/image-kernels';
import { DATA_NATIVE_ENV } from './image-kernels.js';

/**
 * Set to `0` to decode JPEGs with sharp even when `@ssdet/backend-native`'s JPEG decoder is
 * built, keeping the native image kernels (`SSDET_DATA_NATIVE=0` turns off both).
 */
export const DATA_NATIVE_JPEG_ENV = 'SSDET_DATA_NATIVE_JPEG';

/**
 * `@ssdet/backend-native`'s libjpeg-turbo decoder when that optional package is installed and
 * its addon built with `jpeglib.h`; otherwise undefined and `decodeImage` uses sharp alone.
 */
const available: NativeJpegDecoder | undefined =
  process.env[DATA_NATIVE_ENV] === '0' || process.env[DATA_NATIVE_JPEG_ENV] === '0'
    ? undefined
    : await loadOptionalDecoder();
let active = available;

async function loadOptionalDecoder(): Promise<NativeJpegDecoder | undefined> {
  try {
    const module = await import('@ssdet/backend-native/image-kernels');
    return module.nativeJpegDecoder();
  } catch {
    return undefined; // not installed, or a build that predates the decoder
  }
}

/** The JPEG decoder `decodeImage` tries first on this thread, undefined when it uses sharp only. */
export function jpegDecoder(): NativeJpegDecoder | undefined {
  return active;
}

/**
 * Chooses the native JPEG decoder (when available) or sharp alone for this thread; returns
 * whether the native decoder is now in use. For comparisons and benchmarks: results are the same.
 */
export function useNativeJpegDecoder(enabled: boolean): boolean {
  active = enabled ? available : undefined;
  return active !== undefined;
}
