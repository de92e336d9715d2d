import { open, readFile, stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { JpegDecodeResult } from '@ssdet/backend-native/image-kernels';
import type { DecodedImage } from '@ssdet/core';
import { BadImageError } from './bad-image-error.js';
import { jpegDecoder } from './native/jpeg-decoder.js';

export interface DecodeOptions {
  /** Largest width × height accepted, against decompression bombs. Default 8192 × 8192. */
  readonly maxPixels?: number;
  /** Give up on one file after this long rather than hang. Default 60 s. */
  readonly timeoutSeconds?: number;
}

export const DEFAULT_MAX_PIXELS = 8192 * 8192;

/**
 * Decodes an image file to 8-bit RGB with sharp (libvips), the way a detector's data loader
 * expects it: EXIF orientation applied; grayscale, alpha (dropped, as PIL's `convert('RGB')`
 * does), CMYK and 16-bit inputs all become 3 × 8-bit sRGB. Every failure is a
 * {@link BadImageError} naming the file and the reason — never a bare libvips message.
 *
 * Plain JPEGs (YCbCr or grayscale, no EXIF rotation, no ICC profile, no corrupt data) go through
 * `@ssdet/backend-native`'s libjpeg-turbo decoder instead when it is built — about 3× faster,
 * synchronous, and the same bytes as sharp's; it declines every other file, which sharp decodes
 * (`SSDET_DATA_NATIVE_JPEG=0` uses sharp for all).
 */
export async function decodeImage(
  file: string,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new BadImageError(file, 'missing', 'it is not a regular file');
    size = info.size;
  } catch (error) {
    if (error instanceof BadImageError) throw error;
    throw new BadImageError(file, 'missing', 'the file does not exist or cannot be read');
  }
  if (size === 0) throw new BadImageError(file, 'empty', 'the file is empty (0 bytes)');
  // Read once, decode from memory: libvips reading the file itself, twice (header, then pixels),
  // took 6.5 ms per 640 × 480 JPEG against 3.7 ms this way.
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new BadImageError(file, 'missing', 'the file cannot be read');
  }

  const native = decodeJpegNatively(bytes, maxPixels);
  if (native?.outcome === 'decoded') {
    return { width: native.width, height: native.height, pixels: native.pixels };
  }
  if (native?.outcome === 'too-large') {
    throw tooLarge(file, native.width, native.height, maxPixels);
  }

  let width = 0;
  let height = 0;
  try {
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    width = metadata.autoOrient?.width ?? metadata.width ?? 0;
    height = metadata.autoOrient?.height ?? metadata.height ?? 0;
  } catch (error) {
    const bad = classify(file, error);
    throw bad.reason === 'unsupported' ? await describeUnsupported(file, bad) : bad;
  }
  if (width * height > maxPixels) throw tooLarge(file, width, height, maxPixels);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .timeout({ seconds: options.timeoutSeconds ?? 60 })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new BadImageError(
        file,
        'unsupported',
        `it decoded to ${info.channels} channels instead of 3`,
      );
    }
    return {
      width: info.width,
      height: info.height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    throw classify(file, error);
  }
}

/** The native decoder's result for a file that starts like a JPEG, when the decoder is built. */
function decodeJpegNatively(bytes: Buffer, maxPixels: number): JpegDecodeResult | undefined {
  const decoder = jpegDecoder();
  if (decoder === undefined || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    return undefined;
  }
  try {
    return decoder.decodeJpeg(bytes, { maxPixels });
  } catch {
    return undefined; // e.g. no memory for the pixels: sharp's path reports it as before
  }
}

function tooLarge(file: string, width: number, height: number, maxPixels: number): BadImageError {
  return new BadImageError(
    file,
    'too-large',
    `it has ${width} × ${height} pixels, more than the limit of ${maxPixels} (data.maxPixels)`,
  );
}

/**
 * Says what a file that no decoder accepts actually holds, when that is easy to tell: text (a
 * note or HTML page saved as `.jpg`) is the common case.
 */
async function describeUnsupported(file: string, bad: BadImageError): Promise<BadImageError> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      head = Buffer.alloc(64);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return bad;
  }
  const text = head.every(
    (byte) => byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127) || byte >= 128,
  );
  if (!text) return bad;
  const start = head.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 24);
  return new BadImageError(
    file,
    'unsupported',
    `it is not an image but text ("${start}…"), whatever its name says (use JPEG, PNG, WebP or TIFF)`,
  );
}

function classify(file: string, error: unknown): BadImageError {
  if (error instanceof BadImageError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  if (/unsupported image format|Input file contains unsupported/i.test(message)) {
    return new BadImageError(
      file,
      'unsupported',
      'its format is not supported (use JPEG, PNG, WebP or TIFF)',
    );
  }
  if (/timeout/i.test(message)) return new BadImageError(file, 'timeout', 'decoding took too long');
  if (/pixel limit/i.test(message))
    return new BadImageError(file, 'too-large', `it exceeds the pixel limit (${message})`);
  return new BadImageError(file, 'corrupt', `it is corrupt or truncated (${message})`);
}
