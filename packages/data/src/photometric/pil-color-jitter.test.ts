import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readReferenceFixture, readReferenceJson } from '@ssdet/test-support';
import { applyColorJitter, type ColorJitterDraw } from './color-jitter.js';
import { pilAdjustHue } from './pil-adjust-hue.js';
import { applyPilColorJitter, applyPilColorJitterBytes } from './pil-color-jitter.js';
import {
  pilAdjustBrightness,
  pilAdjustContrast,
  pilAdjustSaturation,
  pilGrayscale,
} from './pil-enhance.js';
import { toRgbImage } from './rgb-image.js';

/** tools/reference/data/make_pil_jitter_fixtures.py: torchvision 0.14 on PIL images (Pillow 9.4). */
type JitterCase =
  | { op: 'brightness' | 'contrast' | 'saturation' | 'hue'; factor: number }
  | { op: 'grayscale' }
  | ({ op: 'jitter' } & {
      order: number[];
      brightness: number;
      contrast: number;
      saturation: number;
      hue: number;
    });

const index = readReferenceJson<{
  pillow: string;
  torchvision: string;
  inputs: { name: string; file: string; width: number; height: number }[];
  cases: JitterCase[];
}>('data', 'pil-jitter.json');

function apply(entry: JitterCase, pixels: Uint8Array): void {
  switch (entry.op) {
    case 'brightness':
      return pilAdjustBrightness(pixels, entry.factor);
    case 'contrast':
      return pilAdjustContrast(pixels, entry.factor);
    case 'saturation':
      return pilAdjustSaturation(pixels, entry.factor);
    case 'hue':
      return pilAdjustHue(pixels, entry.factor);
    case 'grayscale':
      return pilGrayscale(pixels);
    case 'jitter':
      return applyPilColorJitterBytes(pixels, entry);
  }
}

const label = (entry: JitterCase): string =>
  entry.op === 'jitter'
    ? `jitter [${entry.order.join(' ')}]`
    : entry.op === 'grayscale'
      ? 'grayscale'
      : `${entry.op} ${entry.factor}`;

async function frames(file: string, frameBytes: number): Promise<Uint8Array[]> {
  const { data, info } = await sharp(readReferenceFixture('data', file))
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  expect(data.length).toBe(frameBytes * (index.cases.length + 1));
  return Array.from(
    { length: index.cases.length + 1 },
    (_, i) => new Uint8Array(data.buffer, data.byteOffset + i * frameBytes, frameBytes),
  );
}

describe(`8-bit colour ops equal torchvision ${index.torchvision} on PIL images (Pillow ${index.pillow})`, () => {
  for (const input of index.inputs) {
    it(`${input.name} (${input.width}×${input.height}): every case, every byte`, async () => {
      const [source, ...expected] = await frames(input.file, input.width * input.height * 3);
      const mismatches: string[] = [];
      index.cases.forEach((entry, c) => {
        const ours = source!.slice();
        apply(entry, ours);
        let worst = 0;
        let differing = 0;
        for (let i = 0; i < ours.length; i++) {
          const delta = Math.abs(ours[i]! - expected[c]![i]!);
          worst = Math.max(worst, delta);
          if (delta !== 0) differing += 1;
        }
        if (differing > 0)
          mismatches.push(`${label(entry)}: ${differing} bytes differ, max ${worst}`);
      });
      expect(mismatches).toEqual([]);
    });
  }

  it('the float wrapper quantises once, jitters in 8 bits and gives k / 255', async () => {
    const input = index.inputs[0]!;
    const [source, ...expected] = await frames(input.file, input.width * input.height * 3);
    const c = index.cases.findIndex((entry) => entry.op === 'jitter');
    const draw = index.cases[c] as ColorJitterDraw;
    const image = toRgbImage(source!, input.width, input.height);
    const float = toRgbImage(source!, input.width, input.height);
    applyPilColorJitter(image, draw);
    applyColorJitter(float, draw);
    let fromPillow = 0;
    let fromFloat = 0;
    for (let i = 0; i < image.data.length; i++) {
      fromPillow = Math.max(fromPillow, Math.abs(image.data[i]! * 255 - expected[c]![i]!));
      fromFloat = Math.max(fromFloat, Math.abs(float.data[i]! * 255 - expected[c]![i]!));
    }
    expect(fromPillow).toBeLessThan(1e-4);
    // The float jitter is torchvision's tensor path: a different image, by whole grey levels.
    expect(fromFloat).toBeGreaterThan(1);
  });
});
