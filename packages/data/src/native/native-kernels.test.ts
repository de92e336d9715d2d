import path from 'node:path';
import { Rng, type DecodedImage, type View } from '@ssdet/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../decode-image.js';
import { renderView } from '../geometry/render-view.js';
import { cropGeometry, flipGeometry, identityGeometry } from '../geometry/view-geometry.js';
import { adjustHue } from '../photometric/adjust-hue.js';
import { gaussianBlur } from '../photometric/gaussian-blur.js';
import { pilAdjustHue } from '../photometric/pil-adjust-hue.js';
import {
  pilAdjustBrightness,
  pilAdjustContrast,
  pilAdjustSaturation,
  pilGrayscale,
} from '../photometric/pil-enhance.js';
import { pilGaussianBlurBytes } from '../photometric/pil-gaussian-blur.js';
import { fromPilBytes, toPilBytes, toRgbImage, type RgbImage } from '../photometric/rgb-image.js';
import { byolViews, mocoV2Views } from '../views/recipes.js';
import { SpecViewGenerator } from '../views/spec-view-generator.js';
import { PHOTOS } from '../test-support/fixtures.js';
import { imageKernels, useNativeImageKernels } from './image-kernels.js';

const nativeBuilt = useNativeImageKernels(true);

/** `run` on the TypeScript path, then on the C++ kernels. */
function bothPaths<T>(run: () => T): { typescript: T; native: T } {
  useNativeImageKernels(false);
  const typescript = run();
  useNativeImageKernels(true);
  const native = run();
  return { typescript, native };
}

function bytes(array: Float32Array | Uint8Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Float32 images compared bit for bit (so −0 ≠ +0 and NaN payloads count). */
function expectSameBits(native: Float32Array | Uint8Array, typescript: Float32Array | Uint8Array) {
  expect(native.length).toBe(typescript.length);
  expect(bytes(native).equals(bytes(typescript))).toBe(true);
}

/** Random 8-bit RGB with flat patches (ties of max/min channels, grey pixels) mixed in. */
function randomPixels(rng: Rng, width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i += 3) {
    const kind = rng.int(0, 4);
    const r = rng.int(0, 256);
    pixels[i] = r;
    pixels[i + 1] = kind === 0 ? r : rng.int(0, 256);
    pixels[i + 2] = kind <= 1 ? r : kind === 2 ? pixels[i + 1]! : rng.int(0, 256);
  }
  return pixels;
}

/** Random floats: mostly in [0, 1], some 8-bit levels, some just outside the range. */
function randomFloats(rng: Rng, width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const kind = rng.int(0, 8);
    data[i] =
      kind === 0 ? rng.int(0, 256) / 255 : kind === 1 ? rng.uniform(-0.2, 1.2) : rng.uniform();
  }
  return { width, height, data };
}

afterEach(() => {
  useNativeImageKernels(true);
});

const SIZES: [number, number][] = [
  [0, 4],
  [4, 0],
  [1, 1],
  [5, 3],
  [2, 9],
  [77, 59],
  [224, 224],
];

describe.skipIf(!nativeBuilt)('C++ image kernels equal the TypeScript path bit for bit', () => {
  let photos: DecodedImage[] = [];
  beforeAll(async () => {
    photos = await Promise.all(
      ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg'].map((name) =>
        decodeImage(path.join(PHOTOS, name)),
      ),
    );
  });
  const photoImages = (): RgbImage[] =>
    photos.map((photo) => toRgbImage(photo.pixels, photo.width, photo.height));

  it('switches between the paths', () => {
    expect(useNativeImageKernels(false)).toBe(false);
    expect(imageKernels()).toBeUndefined();
    expect(useNativeImageKernels(true)).toBe(true);
    expect(imageKernels()).toBeDefined();
  });

  it('torchvision Gaussian blur: random images, every size and σ, kernels wider than the image', () => {
    const rng = Rng.fromSeed(11);
    for (const [width, height] of SIZES) {
      const image = randomFloats(rng, width, height);
      for (const [kernel, sigma] of [
        [23, 0.1],
        [23, 0.5],
        [23, 1],
        [23, 2],
        [7, 1.3],
        [3, 5],
        [1, 1],
      ] as const) {
        const { typescript, native } = bothPaths(() => gaussianBlur(image, kernel, sigma).data);
        expectSameBits(native, typescript);
      }
    }
  });

  it('torchvision Gaussian blur: photos', () => {
    for (const image of photoImages()) {
      for (const sigma of [0.3, 1.7]) {
        const { typescript, native } = bothPaths(() => gaussianBlur(image, 23, sigma).data);
        expectSameBits(native, typescript);
      }
    }
  });

  it('antialiased resize: random crops of photos and random images, down and up, flipped', () => {
    const rng = Rng.fromSeed(12);
    const images: DecodedImage[] = [
      ...photos,
      { width: 97, height: 61, pixels: randomPixels(rng, 97, 61) },
      { width: 1, height: 1, pixels: randomPixels(rng, 1, 1) },
    ];
    for (const image of images) {
      for (let trial = 0; trial < 12; trial++) {
        const w = rng.int(1, image.width + 1);
        const h = rng.int(1, image.height + 1);
        const x = rng.int(0, image.width - w + 1);
        const y = rng.int(0, image.height - h + 1);
        const size = rng.choice([1, 7, 64, 224, 300]);
        let geometry = cropGeometry(
          identityGeometry(image.width, image.height),
          [x, y, x + w, y + h],
          size,
          rng.choice([size, 96]),
        );
        if (trial % 2 === 1) geometry = flipGeometry(geometry);
        const { typescript, native } = bothPaths(() => renderView(image, geometry));
        expectSameBits(native, typescript);
      }
    }
  });

  it('torchvision hue: random images (with grey pixels and ties) and photos', () => {
    const rng = Rng.fromSeed(13);
    const images = [
      ...SIZES.map(([w, h]) => toRgbImage(randomPixels(rng, w, h), w, h)),
      randomFloats(rng, 64, 48),
      ...photoImages(),
    ];
    for (const image of images) {
      for (const factor of [-0.5, -0.1, 0, 0.03, 0.5]) {
        const { typescript, native } = bothPaths(() => {
          const copy = image.data.slice();
          adjustHue({ ...image, data: copy }, factor);
          return copy;
        });
        expectSameBits(native, typescript);
      }
    }
  });

  it('PIL Gaussian blur: every σ, 1 and 3 channels, random images and photos', () => {
    const rng = Rng.fromSeed(14);
    const cases: { pixels: Uint8Array; width: number; height: number; channels: number }[] = [
      ...SIZES.map(([width, height]) => ({
        pixels: randomPixels(rng, width, height),
        width,
        height,
        channels: 3,
      })),
      {
        pixels: randomPixels(rng, 33, 21).subarray(0, 33 * 21),
        width: 33,
        height: 21,
        channels: 1,
      },
      ...photos.map((photo) => ({ ...photo, channels: 3 })),
    ];
    for (const { pixels, width, height, channels } of cases) {
      for (const sigma of [0, 0.1, 0.5, 1, 1.37, 2, 6]) {
        const { typescript, native } = bothPaths(() => {
          const copy = pixels.slice();
          pilGaussianBlurBytes(copy, width, height, channels, sigma);
          return copy;
        });
        expectSameBits(native, typescript);
      }
    }
  });

  it('PIL hue, brightness, contrast, saturation and grayscale: random images and photos', () => {
    const rng = Rng.fromSeed(15);
    // every (r, g, b) on a coarse lattice, plus random pixels and the photos
    const lattice = new Uint8Array(18 ** 3 * 3);
    let at = 0;
    for (let r = 0; r < 256; r += 15)
      for (let g = 0; g < 256; g += 15)
        for (let b = 0; b < 256; b += 15) lattice.set([r, g, b], at++ * 3);
    const inputs = [lattice, randomPixels(rng, 200, 150), ...photos.map((photo) => photo.pixels)];
    const ops: [string, (pixels: Uint8Array, factor: number) => void, number[]][] = [
      ['hue', pilAdjustHue, [-0.5, -0.1, -0.0001, 0, 0.05, 0.5]],
      ['brightness', pilAdjustBrightness, [0, 0.6, 1, 1.4, 3]],
      ['contrast', pilAdjustContrast, [0, 0.6, 1, 1.4, 3]],
      ['saturation', pilAdjustSaturation, [0, 0.6, 1, 1.4, 3]],
      ['grayscale', (pixels) => pilGrayscale(pixels), [0]],
    ];
    for (const input of inputs) {
      for (const [name, op, factors] of ops) {
        for (const factor of factors) {
          const { typescript, native } = bothPaths(() => {
            const copy = input.slice();
            op(copy, factor);
            return copy;
          });
          expect(bytes(native).equals(bytes(typescript)), `${name} ${factor}`).toBe(true);
        }
      }
    }
  });

  it('8-bit quantisation both ways: halves, out-of-range values, NaN and −0', () => {
    const rng = Rng.fromSeed(16);
    const special = [-0, 0, 1, -1, 2, NaN, Infinity, -Infinity, 0.5 / 255, 254.5 / 255];
    const halves = Array.from({ length: 256 }, (_, k) => (k + 0.5) / 255);
    const data = Float32Array.from([...special, ...halves, ...randomFloats(rng, 40, 30).data]);
    const image = { width: data.length, height: 1, data };
    const quantised = bothPaths(() => toPilBytes(image));
    expectSameBits(quantised.native, quantised.typescript);
    const levels = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256);
    const restored = bothPaths(() => {
      const out = new Float32Array(levels.length);
      fromPilBytes(levels, out);
      return out;
    });
    expectSameBits(restored.native, restored.typescript);
  });

  it('whole MoCo v2 (PIL) and BYOL (tensor) views of the photos', async () => {
    const generators = [
      new SpecViewGenerator(mocoV2Views(224)),
      new SpecViewGenerator(byolViews(224)),
    ];
    for (const [index, photo] of photos.entries()) {
      const sample = { record: { id: `p${index}`, path: `p${index}` }, image: photo };
      for (const generator of generators) {
        for (let seed = 0; seed < 6; seed++) {
          useNativeImageKernels(false);
          const typescript: View[] = await generator.generate(
            sample,
            undefined,
            Rng.fromSeed(seed),
          );
          useNativeImageKernels(true);
          const native: View[] = await generator.generate(sample, undefined, Rng.fromSeed(seed));
          for (const [v, view] of native.entries()) {
            expect(view.geometry).toEqual(typescript[v]!.geometry);
            expectSameBits(view.pixels, typescript[v]!.pixels);
          }
        }
      }
    }
  });
});
