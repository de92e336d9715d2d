import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadImageError } from './bad-image-error.js';
import { decodeImage } from './decode-image.js';
import { PHOTOS } from './test-support/fixtures.js';

let dir: string;
const file = (name: string): string => path.join(dir, name);

/** A 6 × 4 image whose left half is red and right half blue. */
function halves(): Buffer {
  const pixels = Buffer.alloc(6 * 4 * 3);
  for (let y = 0; y < 4; y++)
    for (let x = 0; x < 6; x++) pixels.set(x < 3 ? [255, 0, 0] : [0, 0, 255], (y * 6 + x) * 3);
  return pixels;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-decode-'));
  const raw = { raw: { width: 6, height: 4, channels: 3 as const } };
  await sharp(halves(), raw).png().toFile(file('plain.png'));
  // EXIF orientation 6: stored as is, displayed rotated 90° clockwise.
  await sharp(halves(), raw)
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toFile(file('rotated.jpg'));
  await sharp(halves(), raw).ensureAlpha(0.5).png().toFile(file('alpha.png'));
  await sharp(halves(), raw).grayscale().png().toFile(file('gray.png'));
  await sharp(halves(), raw)
    .png({ force: true })
    .toColourspace('rgb16')
    .toFile(file('sixteen.png'));
  await sharp(halves(), raw).toColourspace('cmyk').jpeg().toFile(file('cmyk.jpg'));
  await writeFile(file('empty.jpg'), Buffer.alloc(0));
  const jpeg = await readFile(path.join(PHOTOS, 'chelsea.jpg'));
  await writeFile(file('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(
    file('garbage.jpg'),
    Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(4000, 0x5a)]),
  );
  await writeFile(file('notes.png'), 'these are not pixels\n');
  // Binary, but no format libvips knows.
  await writeFile(file('unknown.jpg'), Uint8Array.from([0, 1, 2, 3, 0xfe, 0xed, 0, 0, 7, 7]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decodeImage', () => {
  it('decodes to 8-bit RGB, HWC', async () => {
    const image = await decodeImage(file('plain.png'));
    expect([image.width, image.height, image.pixels.length]).toEqual([6, 4, 72]);
    expect(Array.from(image.pixels.slice(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(image.pixels.slice(15, 18))).toEqual([0, 0, 255]);
  });

  it('applies the EXIF orientation', async () => {
    const image = await decodeImage(file('rotated.jpg'));
    expect([image.width, image.height]).toEqual([4, 6]);
    // Rotated 90° clockwise: the red left half is now the top.
    expect(image.pixels[0]!).toBeGreaterThan(200);
    expect(image.pixels[5 * 4 * 3 + 2]!).toBeGreaterThan(200);
  });

  it('turns alpha, grayscale, 16-bit and CMYK images into 3-channel 8-bit RGB', async () => {
    for (const name of ['alpha.png', 'gray.png', 'sixteen.png', 'cmyk.jpg']) {
      const image = await decodeImage(file(name));
      expect(image.pixels.length, name).toBe(image.width * image.height * 3);
    }
    const gray = await decodeImage(file('gray.png'));
    expect(gray.pixels[0]).toBe(gray.pixels[1]);
    const sixteen = await decodeImage(file('sixteen.png'));
    expect(Array.from(sixteen.pixels.slice(0, 3))).toEqual([255, 0, 0]);
    const cmyk = await decodeImage(file('cmyk.jpg'));
    expect(cmyk.pixels[0]!).toBeGreaterThan(200);
    expect(cmyk.pixels[2]!).toBeLessThan(60);
  });

  const bad: [string, string, RegExp][] = [
    ['missing.jpg', 'missing', /does not exist/],
    ['empty.jpg', 'empty', /empty \(0 bytes\)/],
    ['truncated.jpg', 'corrupt', /corrupt or truncated/],
    ['garbage.jpg', 'corrupt', /corrupt or truncated/],
    ['notes.png', 'unsupported', /it is not an image but text \("these are not pixels…"\)/],
    ['unknown.jpg', 'unsupported', /format is not supported/],
  ];
  for (const [name, reason, message] of bad) {
    it(`refuses ${name} with a message naming the file (${reason})`, async () => {
      const error = await decodeImage(file(name)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BadImageError);
      expect((error as BadImageError).reason).toBe(reason);
      expect((error as BadImageError).message).toContain(file(name));
      expect((error as BadImageError).message).toMatch(message);
    });
  }

  it('refuses images above the pixel limit before decoding them', async () => {
    const error = await decodeImage(path.join(PHOTOS, 'coffee.jpg'), { maxPixels: 1000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ reason: 'too-large' });
    expect((error as Error).message).toMatch(/600 × 400 pixels, more than the limit of 1000/);
  });
});
