import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DecodedImage } from '@ssdet/core';
import { readReferenceFixture, readReferenceJson, referenceFixturePath } from '@ssdet/test-support';
import sharp, { type Sharp } from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BadImageError } from '../bad-image-error.js';
import { decodeImage, type DecodeOptions } from '../decode-image.js';
import { PHOTOS } from '../test-support/fixtures.js';
import { jpegDecoder, useNativeJpegDecoder } from './jpeg-decoder.js';

const nativeBuilt = useNativeJpegDecoder(true);

let dir: string;
const file = (name: string): string => path.join(dir, name);

/** A photo-like test card: a crop of a bundled photo resized to `width × height`. */
function photo(name: string, width: number, height: number): Sharp {
  return sharp(path.join(PHOTOS, name)).resize(width, height, { fit: 'cover' });
}

/** An EXIF APP1 segment whose IFD0 holds only the orientation tag. */
function exifSegment(orientation: number, bigEndian: boolean): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const u16 = (value: number, at: number) =>
    bigEndian ? tiff.writeUInt16BE(value, at) : tiff.writeUInt16LE(value, at);
  const u32 = (value: number, at: number) =>
    bigEndian ? tiff.writeUInt32BE(value, at) : tiff.writeUInt32LE(value, at);
  tiff.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(1, 8);
  u16(0x0112, 10);
  u16(3, 12);
  u32(1, 14);
  u16(orientation, 18);
  u32(0, 22);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

/** `jpeg` with `segment` inserted right after SOI. */
function withSegment(jpeg: Buffer, segment: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** JPEGs the native decoder must decode, each with the bytes sharp gives. */
const DECODED: string[] = [];
/** Files it must leave to sharp (JPEGs) or never sees (the rest). */
const DECLINED: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-jpeg-'));
  const jpegs: [string, Sharp][] = [
    ['q95-420.jpg', photo('chelsea.jpg', 640, 480).jpeg({ quality: 95 })],
    ['q50-420.jpg', photo('coffee.jpg', 640, 480).jpeg({ quality: 50 })],
    [
      'q95-444.jpg',
      photo('astronaut.jpg', 320, 240).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }),
    ],
    [
      'q50-444.jpg',
      photo('chelsea.jpg', 200, 150).jpeg({ quality: 50, chromaSubsampling: '4:4:4' }),
    ],
    ['progressive.jpg', photo('coffee.jpg', 320, 240).jpeg({ quality: 80, progressive: true })],
    ['mozjpeg.jpg', photo('astronaut.jpg', 300, 200).jpeg({ mozjpeg: true })],
    // One-component JPEGs: sharp's grayscale() alone still writes YCbCr.
    ['gray.jpg', photo('chelsea.jpg', 160, 120).toColourspace('b-w').jpeg({ quality: 90 })],
    [
      'gray-progressive.jpg',
      photo('coffee.jpg', 99, 71).toColourspace('b-w').jpeg({ progressive: true }),
    ],
    ['1x1.jpg', photo('astronaut.jpg', 1, 1).jpeg({ quality: 95 })],
    ['17x9.jpg', photo('coffee.jpg', 17, 9).jpeg({ quality: 50 })],
    ['17x9-444.jpg', photo('coffee.jpg', 17, 9).jpeg({ chromaSubsampling: '4:4:4' })],
    ['641x479.jpg', photo('chelsea.jpg', 641, 479).jpeg({ quality: 90 })],
    ['641x479-progressive.jpg', photo('astronaut.jpg', 641, 479).jpeg({ progressive: true })],
  ];
  for (const [name, pipeline] of jpegs) {
    await pipeline.toFile(file(name));
    DECODED.push(file(name));
  }
  expect((await sharp(file('gray.jpg')).metadata()).channels).toBe(1);
  expect((await sharp(file('gray-progressive.jpg')).metadata()).channels).toBe(1);
  for (const name of ['chelsea.jpg', 'coffee.jpg', 'astronaut.jpg'])
    DECODED.push(path.join(PHOTOS, name));
  for (const name of ['chelsea-422', 'coffee-progressive', 'astronaut-gray']) {
    DECODED.push(referenceFixturePath('data', `jpeg-${name}.jpg`));
  }
  // EXIF orientation 1, little- and big-endian: nothing to rotate, so still native.
  const plain = await readFile(file('17x9.jpg'));
  await writeFile(file('exif-1-le.jpg'), withSegment(plain, exifSegment(1, false)));
  await writeFile(file('exif-1-be.jpg'), withSegment(plain, exifSegment(1, true)));
  DECODED.push(file('exif-1-le.jpg'), file('exif-1-be.jpg'));

  await writeFile(file('exif-6.jpg'), withSegment(plain, exifSegment(6, false)));
  await writeFile(file('exif-8-be.jpg'), withSegment(plain, exifSegment(8, true)));
  await photo('chelsea.jpg', 64, 48)
    .jpeg()
    .withMetadata({ orientation: 3 })
    .toFile(file('sharp-rotated.jpg'));
  await photo('coffee.jpg', 64, 48).jpeg().withIccProfile('p3').toFile(file('icc-p3.jpg'));
  await photo('coffee.jpg', 64, 48).jpeg().withIccProfile('srgb').toFile(file('icc-srgb.jpg'));
  await photo('chelsea.jpg', 64, 48).toColourspace('cmyk').jpeg().toFile(file('cmyk.jpg'));
  await photo('chelsea.jpg', 64, 48).png().toFile(file('plain.png'));
  const photoBytes = await readFile(path.join(PHOTOS, 'chelsea.jpg'));
  await writeFile(file('truncated.jpg'), photoBytes.subarray(0, Math.floor(photoBytes.length / 2)));
  await writeFile(file('header-only.jpg'), photoBytes.subarray(0, 700));
  await writeFile(
    file('garbage.jpg'),
    Buffer.concat([photoBytes.subarray(0, 1000), Buffer.alloc(4000, 0x5a)]),
  );
  await writeFile(file('soi-only.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
  DECLINED.push(
    ...[
      'exif-6.jpg',
      'exif-8-be.jpg',
      'sharp-rotated.jpg',
      'icc-p3.jpg',
      'icc-srgb.jpg',
      'cmyk.jpg',
      'plain.png',
      'truncated.jpg',
      'header-only.jpg',
      'garbage.jpg',
      'soi-only.jpg',
    ].map(file),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  useNativeJpegDecoder(true);
});

type Outcome = { image: DecodedImage } | { error: BadImageError };

/** decodeImage's result or BadImageError, with sharp alone or with the native decoder first. */
async function decodeWith(
  native: boolean,
  target: string,
  options?: DecodeOptions,
): Promise<Outcome> {
  useNativeJpegDecoder(native);
  try {
    return { image: await decodeImage(target, options) };
  } catch (error) {
    if (!(error instanceof BadImageError)) throw error;
    return { error };
  }
}

function pixelBytes(image: DecodedImage): Buffer {
  return Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
}

/** The outcomes are the same image, byte for byte, or the same error. */
function expectSameOutcome(native: Outcome, viaSharp: Outcome, name: string): void {
  if ('error' in viaSharp) {
    expect('error' in native, `${name}: sharp fails, so must the native path`).toBe(true);
    if (!('error' in native)) return;
    expect(native.error.message, name).toBe(viaSharp.error.message);
    expect(native.error.reason, name).toBe(viaSharp.error.reason);
    return;
  }
  expect('image' in native, `${name}: ${'error' in native ? native.error.message : ''}`).toBe(true);
  if (!('image' in native)) return;
  expect([native.image.width, native.image.height], name).toEqual([
    viaSharp.image.width,
    viaSharp.image.height,
  ]);
  expect(pixelBytes(native.image).equals(pixelBytes(viaSharp.image)), name).toBe(true);
}

describe.skipIf(!nativeBuilt)('the native JPEG decoder (libjpeg-turbo)', () => {
  it('decodes plain JPEGs itself: 4:2:0, 4:2:2, 4:4:4, progressive, gray, odd sizes, q50/q95', async () => {
    const decoder = jpegDecoder()!;
    for (const target of DECODED) {
      const result = decoder.decodeJpeg(await readFile(target), { maxPixels: 1e9 });
      expect(result.outcome, `${path.basename(target)}: ${JSON.stringify(result)}`).toBe('decoded');
    }
  });

  it("gives decodeImage sharp's bytes for every plain JPEG", async () => {
    for (const target of DECODED) {
      const viaSharp = await decodeWith(false, target);
      const native = await decodeWith(true, target);
      expect('image' in viaSharp, target).toBe(true);
      expectSameOutcome(native, viaSharp, path.basename(target));
    }
  });

  it('spreads a grayscale JPEG to R = G = B', async () => {
    const result = await decodeWith(true, file('gray.jpg'));
    if (!('image' in result)) throw result.error;
    const { pixels } = result.image;
    let grey = true;
    for (let i = 0; i < pixels.length; i += 3)
      grey &&= pixels[i] === pixels[i + 1] && pixels[i] === pixels[i + 2];
    expect(grey).toBe(true);
    expect(new Set(pixels).size).toBeGreaterThan(50);
  });

  it("equals Pillow's convert('RGB') (the torchvision goldens' decoder) on the committed JPEGs", async () => {
    const index = readReferenceJson<{
      cases: {
        name: string;
        jpeg: string;
        png: string;
        width: number;
        height: number;
        sha256: string;
      }[];
    }>('data', 'jpeg-decode.json');
    expect(index.cases.length).toBe(3);
    for (const entry of index.cases) {
      const result = jpegDecoder()!.decodeJpeg(readReferenceFixture('data', entry.jpeg), {
        maxPixels: 1e9,
      });
      if (result.outcome !== 'decoded') throw new Error(`${entry.name}: ${JSON.stringify(result)}`);
      expect([result.width, result.height], entry.name).toEqual([entry.width, entry.height]);
      const pixels = Buffer.from(result.pixels);
      expect(createHash('sha256').update(pixels).digest('hex'), entry.name).toBe(entry.sha256);
      const pillow = await sharp(readReferenceFixture('data', entry.png))
        .removeAlpha()
        .raw()
        .toBuffer();
      expect(pixels.equals(pillow), entry.name).toBe(true);
    }
  });

  it('declines EXIF-rotated, ICC-tagged, CMYK, truncated and corrupt JPEGs, never aborting', async () => {
    const decoder = jpegDecoder()!;
    const reasons = new Map<string, string>();
    for (const target of DECLINED.filter((name) => name.endsWith('.jpg'))) {
      const result = decoder.decodeJpeg(await readFile(target), { maxPixels: 1e9 });
      expect(result.outcome, path.basename(target)).toBe('declined');
      if (result.outcome === 'declined') reasons.set(path.basename(target), result.reason);
    }
    expect(reasons.get('exif-6.jpg')).toMatch(/EXIF orientation/);
    expect(reasons.get('sharp-rotated.jpg')).toMatch(/EXIF orientation|APP2/);
    expect(reasons.get('icc-p3.jpg')).toMatch(/ICC/);
    expect(reasons.get('cmyk.jpg')).toMatch(/colour space/);
    expect(reasons.get('truncated.jpg')).toMatch(/Premature end/i);
    expect(decoder.decodeJpeg(new Uint8Array(0), { maxPixels: 1e9 }).outcome).toBe('declined');
    expect(() => decoder.decodeJpeg([] as unknown as Uint8Array, { maxPixels: 1 })).toThrow(
      /bytes must be a Uint8Array/,
    );
    expect(() =>
      decoder.decodeJpeg(new Uint8Array(4), {} as unknown as { maxPixels: number }),
    ).toThrow(/maxPixels/);
  });

  it('leaves those files to sharp: the same image or the same BadImageError', async () => {
    let failures = 0;
    for (const target of DECLINED) {
      const viaSharp = await decodeWith(false, target);
      if ('error' in viaSharp) failures++;
      expectSameOutcome(await decodeWith(true, target), viaSharp, path.basename(target));
    }
    // The corrupt ones fail on both paths (and the test compares their messages).
    expect(failures).toBeGreaterThanOrEqual(3);
  });

  it('checks the pixel limit on the header, with the same error as the sharp path', async () => {
    const decoder = jpegDecoder()!;
    const bytes = await readFile(file('641x479.jpg'));
    expect(decoder.decodeJpeg(bytes, { maxPixels: 641 * 479 - 1 })).toEqual({
      outcome: 'too-large',
      width: 641,
      height: 479,
    });
    expect(decoder.decodeJpeg(bytes, { maxPixels: 641 * 479 }).outcome).toBe('decoded');
    const options = { maxPixels: 1000 };
    const native = await decodeWith(true, file('641x479.jpg'), options);
    expect('error' in native && native.error.reason).toBe('too-large');
    expectSameOutcome(native, await decodeWith(false, file('641x479.jpg'), options), 'too-large');
  });
});

describe('turning the native JPEG decoder off', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  async function freshDecoder(env: Record<string, string>): Promise<boolean> {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.resetModules();
    const module = await import('./jpeg-decoder.js');
    return module.useNativeJpegDecoder(true) && module.jpegDecoder() !== undefined;
  }

  it('SSDET_DATA_NATIVE=0 and SSDET_DATA_NATIVE_JPEG=0 each disable it', async () => {
    expect(await freshDecoder({ SSDET_DATA_NATIVE: '0' })).toBe(false);
    expect(await freshDecoder({ SSDET_DATA_NATIVE_JPEG: '0' })).toBe(false);
    expect(await freshDecoder({ SSDET_DATA_NATIVE: '1', SSDET_DATA_NATIVE_JPEG: '1' })).toBe(
      nativeBuilt,
    );
  });

  it('SSDET_DATA_NATIVE_JPEG=0 keeps the native image kernels', async () => {
    vi.stubEnv('SSDET_DATA_NATIVE_JPEG', '0');
    vi.resetModules();
    const kernels = await import('./image-kernels.js');
    const imageKernelsBuilt = kernels.imageKernels() !== undefined;
    vi.unstubAllEnvs();
    vi.resetModules();
    const reference = await import('./image-kernels.js');
    expect(imageKernelsBuilt).toBe(reference.imageKernels() !== undefined);
  });
});
