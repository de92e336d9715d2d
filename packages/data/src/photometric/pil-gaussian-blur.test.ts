import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readReferenceFixture, readReferenceJson } from '@ssdet/test-support';
import { gaussianBlur } from './gaussian-blur.js';
import { pilBoxRadius, pilGaussianBlur, pilGaussianBlurBytes } from './pil-gaussian-blur.js';
import { toRgbImage } from './rgb-image.js';

/** tools/reference/data/make_pil_blur_fixtures.py: Pillow 9.4 `GaussianBlur` on bundled photos. */
interface BlurCase {
  readonly name: string;
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly sigmas: readonly number[];
  /** Output rows stored in the PNG; null: all; empty: hashes only. */
  readonly rows: readonly number[] | null;
  readonly sha256: readonly string[];
}

const index = readReferenceJson<{ pillow: string; cases: BlurCase[] }>('data', 'pil-blur.json');

async function loadSheet(entry: BlurCase): Promise<Uint8Array> {
  const { data, info } = await sharp(readReferenceFixture('data', entry.file))
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

describe(`pilGaussianBlur equals Pillow ${index.pillow} GaussianBlur on photos`, () => {
  for (const entry of index.cases) {
    const sigmas =
      entry.sigmas.length > 5
        ? `${entry.sigmas.length} σ in [${Math.min(...entry.sigmas).toFixed(2)}, ${Math.max(...entry.sigmas).toFixed(2)}]`
        : `σ ∈ {${entry.sigmas.join(', ')}}`;
    it(`${entry.name} (${entry.width}×${entry.height}), ${sigmas}: stored pixels and whole-output hashes`, async () => {
      const sheet = await loadSheet(entry);
      const { width, height } = entry;
      const rowBytes = width * 3;
      const input = sheet.subarray(0, height * rowBytes);
      const rows = entry.rows ?? Array.from({ length: height }, (_, y) => y);
      let offset = input.length;
      let worst = 0;
      let differing = 0;
      entry.sigmas.forEach((sigma, s) => {
        const ours = input.slice();
        pilGaussianBlurBytes(ours, width, height, 3, sigma);
        for (const y of rows) {
          for (let i = 0; i < rowBytes; i++) {
            const delta = Math.abs(ours[y * rowBytes + i]! - sheet[offset + i]!);
            worst = Math.max(worst, delta);
            if (delta !== 0) differing += 1;
          }
          offset += rowBytes;
        }
        expect(createHash('sha256').update(ours).digest('hex'), `σ = ${sigma}`).toBe(
          entry.sha256[s],
        );
      });
      expect(offset).toBe(sheet.length);
      expect(worst).toBeLessThanOrEqual(1);
      expect(differing).toBe(0);
    });
  }

  it('blurs a float image through the 8-bit image PIL would hold', async () => {
    const entry = index.cases.find((c) => c.rows === null && c.width > 32)!;
    const sheet = await loadSheet(entry);
    const { width, height } = entry;
    const input = sheet.slice(0, width * height * 3);
    const sigma = entry.sigmas[entry.sigmas.length - 1]!;
    const expected = sheet.subarray(entry.sigmas.length * input.length);
    // Off-grid values round to the nearest level first: +0.4/255 changes nothing.
    const image = toRgbImage(input, width, height);
    for (let i = 0; i < image.data.length; i++)
      image.data[i] = Math.min(1, image.data[i]! + 0.4 / 255);
    const out = pilGaussianBlur(image, sigma);
    expect(out.data).not.toBe(image.data);
    expect(Array.from(out.data.subarray(0, 9))).toEqual(
      Array.from(expected.subarray(0, 9), (k) => Math.fround(k / 255)),
    );
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(out.data[i]! * 255 - expected[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('differs from the truncated-kernel (torchvision) blur by whole grey levels', async () => {
    const entry = index.cases.find((c) => c.width === 112)!;
    const sheet = await loadSheet(entry);
    const pixels = sheet.slice(0, 112 * 112 * 3);
    const sigma = 2;
    const pil = pilGaussianBlur(toRgbImage(pixels, 112, 112), sigma);
    const torchvision = gaussianBlur(toRgbImage(pixels, 112, 112), 11, sigma);
    let worst = 0;
    for (let i = 0; i < pil.data.length; i++)
      worst = Math.max(worst, Math.abs(pil.data[i]! - torchvision.data[i]!) * 255);
    // Two different approximations of one Gaussian: close, but not the same image.
    expect(worst).toBeGreaterThan(1);
    expect(worst).toBeLessThan(40);
  });
});

describe('pilBoxRadius', () => {
  it('gives three boxes whose variance is σ² (Gwosdek et al. eq. 14)', () => {
    for (const sigma of [0.1, 0.5, 1, 1.7, 2, 6]) {
      const r = pilBoxRadius(sigma);
      const l = Math.floor(r);
      const a = r - l;
      // An extended box of radius l + a: 2l + 1 taps of weight 1 and two of weight a at ±(l + 1).
      const weight = 2 * l + 1 + 2 * a;
      let moment = 2 * a * (l + 1) ** 2;
      for (let k = 1; k <= l; k++) moment += 2 * k * k;
      expect(3 * (moment / weight)).toBeCloseTo(sigma * sigma, 4);
    }
  });

  it('leaves an image unchanged at σ = 0 and rejects a negative σ', () => {
    const pixels = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const copy = pixels.slice();
    pilGaussianBlurBytes(copy, 4, 3, 3, 0);
    expect(copy).toEqual(pixels);
    expect(() => pilGaussianBlurBytes(copy, 4, 3, 3, -1)).toThrow(/σ must be ≥ 0/);
    expect(() => pilGaussianBlurBytes(copy, 5, 3, 3, 1)).toThrow(/Expected 5×3×3/);
  });
});
