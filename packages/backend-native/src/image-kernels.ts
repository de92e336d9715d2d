import { optionalAddonPart } from './optional-addon-part.js';

/** One axis of an antialiased resampling filter, as `@ssdet/data`'s `resampleRegion` builds it. */
export interface ResampleTaps {
  /** First input index of each output's taps. */
  readonly start: Int32Array;
  /** Number of taps of each output. */
  readonly count: Int32Array;
  /** Where each output's weights start in `weights`. */
  readonly offset: Int32Array;
  /** The normalised weights, in double. */
  readonly weights: Float64Array;
}

/**
 * The image kernels of `@ssdet/data`'s view pipeline in C++: plain functions on typed arrays,
 * single-threaded (the data workers run one view per thread), each giving exactly the output of
 * its TypeScript twin in `@ssdet/data` (weights that need `exp` come from the TypeScript).
 */
export interface NativeImageKernels {
  /** torchvision's Gaussian blur of RGB floats with the kept (odd, centred) `taps`, reflect padding. */
  gaussianBlur(
    image: Float32Array,
    width: number,
    height: number,
    taps: Float64Array,
  ): Float32Array;
  /**
   * The antialiased bilinear resize of an 8-bit RGB image's `region` `[x, y, width, height]` to
   * floats in [0, 1], mirrored left–right when `flipped`.
   */
  resampleRegion(
    pixels: Uint8Array,
    imageWidth: number,
    imageHeight: number,
    region: Int32Array,
    outWidth: number,
    outHeight: number,
    columns: ResampleTaps,
    rows: ResampleTaps,
    flipped: boolean,
  ): Float32Array;
  /** torchvision's tensor-path `adjust_hue` of RGB floats, in place. */
  adjustHue(image: Float32Array, factor: number): void;
  /** Pillow's three extended box filters per axis, in place, with Pillow's 8.24 box weights. */
  pilGaussianBlur(
    pixels: Uint8Array,
    width: number,
    height: number,
    channels: number,
    radius: number,
    inner: number,
    edge: number,
  ): void;
  /** torchvision's PIL `adjust_hue` of 8-bit RGB, in place. */
  pilAdjustHue(pixels: Uint8Array, factor: number): void;
  /** `ImageEnhance.Brightness(image).enhance(factor)` of 8-bit RGB, in place. */
  pilAdjustBrightness(pixels: Uint8Array, factor: number): void;
  /** `ImageEnhance.Contrast(image).enhance(factor)` of 8-bit RGB, in place. */
  pilAdjustContrast(pixels: Uint8Array, factor: number): void;
  /** `ImageEnhance.Color(image).enhance(factor)` of 8-bit RGB, in place. */
  pilAdjustSaturation(pixels: Uint8Array, factor: number): void;
  /** Pillow's 8-bit luma into every channel of 8-bit RGB, in place. */
  pilGrayscale(pixels: Uint8Array): void;
  /** `round(255 · clamp(x, 0, 1))` of every float. */
  toPilBytes(image: Float32Array): Uint8Array;
  /** `out[i] ← bytes[i] / 255` as float32. */
  fromPilBytes(bytes: Uint8Array, out: Float32Array): void;
}

/** The addon's raw exports for the kernels above. */
interface ImageAddon {
  dataGaussianBlur?: NativeImageKernels['gaussianBlur'];
  dataResampleRegion: NativeImageKernels['resampleRegion'];
  dataAdjustHue: NativeImageKernels['adjustHue'];
  dataPilGaussianBlur: NativeImageKernels['pilGaussianBlur'];
  dataPilAdjustHue: NativeImageKernels['pilAdjustHue'];
  /** kind 0 brightness, 1 contrast, 2 saturation, 3 grayscale (factor ignored). */
  dataPilEnhance: (pixels: Uint8Array, kind: number, factor: number) => void;
  dataToPilBytes: NativeImageKernels['toPilBytes'];
  dataFromPilBytes: NativeImageKernels['fromPilBytes'];
}

const loadImageKernels = optionalAddonPart((addon: ImageAddon): NativeImageKernels | undefined => {
  const gaussianBlur = addon.dataGaussianBlur;
  if (gaussianBlur === undefined) return undefined;
  return {
    gaussianBlur,
    resampleRegion: addon.dataResampleRegion,
    adjustHue: addon.dataAdjustHue,
    pilGaussianBlur: addon.dataPilGaussianBlur,
    pilAdjustHue: addon.dataPilAdjustHue,
    pilAdjustBrightness: (pixels, factor) => addon.dataPilEnhance(pixels, 0, factor),
    pilAdjustContrast: (pixels, factor) => addon.dataPilEnhance(pixels, 1, factor),
    pilAdjustSaturation: (pixels, factor) => addon.dataPilEnhance(pixels, 2, factor),
    pilGrayscale: (pixels) => addon.dataPilEnhance(pixels, 3, 0),
    toPilBytes: addon.dataToPilBytes,
    fromPilBytes: addon.dataFromPilBytes,
  };
});

/**
 * The image kernels, or undefined when the addon is not built, fails to load (no oneDNN) or
 * predates them. Loading does not register the tfjs backend.
 */
export function nativeImageKernels(): NativeImageKernels | undefined {
  return loadImageKernels();
}

/** What {@link NativeJpegDecoder.decodeJpeg} needs besides the file's bytes. */
export interface JpegDecodeOptions {
  /** Largest width × height decoded; checked on the header, before any pixel is allocated. */
  readonly maxPixels: number;
}

/**
 * What the native JPEG decoder made of a file: its pixels; only its size, over the limit; or
 * why it declined the file (not a plain YCbCr / grayscale JPEG, an EXIF orientation, an ICC
 * profile, or any libjpeg error or warning — the caller decodes those another way).
 */
export type JpegDecodeResult =
  | {
      readonly outcome: 'decoded';
      readonly width: number;
      readonly height: number;
      /** 8-bit RGB, row-major, `width · height · 3` bytes (gray spread to R = G = B). */
      readonly pixels: Uint8Array;
    }
  | { readonly outcome: 'too-large'; readonly width: number; readonly height: number }
  | { readonly outcome: 'declined'; readonly reason: string };

/**
 * The addon's JPEG decoder: the system libjpeg-turbo with its default (JDCT_ISLOW, fancy
 * upsampling) decode, so the pixels are Pillow's `convert('RGB')` on Debian. Synchronous.
 */
export interface NativeJpegDecoder {
  decodeJpeg(bytes: Uint8Array, options: JpegDecodeOptions): JpegDecodeResult;
}

interface JpegAddon {
  dataDecodeJpeg?: NativeJpegDecoder['decodeJpeg'];
}

const loadJpegDecoder = optionalAddonPart((addon: JpegAddon): NativeJpegDecoder | undefined => {
  const decodeJpeg = addon.dataDecodeJpeg;
  return decodeJpeg === undefined ? undefined : { decodeJpeg };
});

/**
 * The JPEG decoder, or undefined when the addon is not built, fails to load, or was built
 * without `jpeglib.h` (`apt-get install libjpeg62-turbo-dev`, then rebuild). Loading does not
 * register the tfjs backend.
 */
export function nativeJpegDecoder(): NativeJpegDecoder | undefined {
  return loadJpegDecoder();
}
