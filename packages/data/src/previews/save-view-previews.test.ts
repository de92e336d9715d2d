import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { distinctColor, type View } from '@ssdet/core';
import { IMAGENET_MEAN, IMAGENET_STD } from '../photometric/normalize.js';
import { saveViewPreviews } from './save-view-previews.js';

const WIDTH = 40;
const HEIGHT = 32;
const GRAY = 128;

/** A uniform gray view (normalised the ImageNet way), with two boxes and a left-strip mask. */
function grayView(name: string, extra: Partial<View> = {}): View {
  const pixels = new Float32Array(WIDTH * HEIGHT * 3);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % 3;
    pixels[i] = (GRAY / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  }
  const labels = new Int32Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < 3; x++) labels[y * WIDTH + x] = 5;
  return {
    name,
    width: WIDTH,
    height: HEIGHT,
    pixels,
    geometry: { sourceBox: [0, 0, WIDTH, HEIGHT], flipped: false, width: WIDTH, height: HEIGHT },
    boxes: Float32Array.from([4, 4, 20, 20, 22.5, 10, 38, 30]),
    boxIds: Int32Array.from([7, 3]),
    mask: { width: WIDTH, height: HEIGHT, labels },
    ...extra,
  };
}

async function decode(
  file: string,
): Promise<{ width: number; height: number; at: (x: number, y: number) => number[] }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => [
      ...data.subarray(
        (y * info.width + x) * info.channels,
        (y * info.width + x) * info.channels + 3,
      ),
    ],
  };
}

describe('saveViewPreviews', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ssdet-views-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes <sample>-<view>.png for every view of every sample', async () => {
    const files = await saveViewPreviews(
      [
        [grayView('query'), grayView('key')],
        [grayView('query'), grayView('key')],
      ],
      path.join(dir, 'views'),
    );
    expect(files.map((f) => path.basename(f))).toEqual([
      '0-query.png',
      '0-key.png',
      '1-query.png',
      '1-key.png',
    ]);
    expect((await readdir(path.join(dir, 'views'))).sort()).toEqual([
      '0-key.png',
      '0-query.png',
      '1-key.png',
      '1-query.png',
    ]);
  });

  it('de-normalises the pixels and draws each box in its region colour at its edge', async () => {
    const [file] = await saveViewPreviews([[grayView('v1')]], dir);
    const png = await decode(file!);
    expect([png.width, png.height]).toEqual([WIDTH, HEIGHT]);
    const seven = [...distinctColor(7)];
    const three = [...distinctColor(3)];
    // Box 7 covers x 4..19, y 4..19 (x1, y1 exclusive): all four edges, nothing inside.
    expect(png.at(4, 10)).toEqual(seven);
    expect(png.at(19, 10)).toEqual(seven);
    expect(png.at(10, 4)).toEqual(seven);
    expect(png.at(10, 19)).toEqual(seven);
    expect(png.at(12, 12)).toEqual([GRAY, GRAY, GRAY]);
    expect(png.at(20, 12)).toEqual([GRAY, GRAY, GRAY]);
    // Box 3 starts at x = 22.5: its outline covers column 22.
    expect(png.at(22, 20)).toEqual(three);
    expect(seven).not.toEqual(three);
  });

  it('overlays the mask translucently', async () => {
    const [file] = await saveViewPreviews([[grayView('v1')]], dir, { maskAlpha: 0.5 });
    const png = await decode(file!);
    const blended = distinctColor(5).map((c) => Math.round(0.5 * GRAY + 0.5 * c));
    expect(png.at(1, 28)).toEqual(blended);
    expect(png.at(3, 28)).toEqual([GRAY, GRAY, GRAY]);
  });

  it('clamps out-of-range pixels instead of wrapping them', async () => {
    const view = grayView('v1', { boxes: undefined, mask: undefined });
    const pixels = view.pixels.slice();
    pixels.fill(100, 0, 3);
    pixels.fill(-100, 3, 6);
    const [file] = await saveViewPreviews([[{ ...view, pixels }]], dir);
    const png = await decode(file!);
    expect(png.at(0, 0)).toEqual([255, 255, 255]);
    expect(png.at(1, 0)).toEqual([0, 0, 0]);
  });

  it('uses safe sample names and honours maxSamples', async () => {
    const files = await saveViewPreviews(
      [[grayView('v1')], [grayView('v1')], [grayView('v1')]],
      dir,
      { sampleNames: ['train/a b.jpg', 'c.jpg'], maxSamples: 2 },
    );
    expect(files.map((f) => path.basename(f))).toEqual(['train_a_b.jpg-v1.png', 'c.jpg-v1.png']);
  });

  it('names the view whose pixel count does not match its size', async () => {
    const view = grayView('broken', { pixels: new Float32Array(5) });
    await expect(saveViewPreviews([[view]], dir)).rejects.toThrow(
      /view "broken" has 5 pixel values/,
    );
  });
});
