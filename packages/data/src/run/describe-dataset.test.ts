import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../datasets/open-dataset.js';
import { describeDataset } from './describe-dataset.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-describe-'));
  const sizes = [
    [30, 20],
    [50, 60],
    [70, 40],
  ] as const;
  for (const [i, [width, height]] of sizes.entries())
    await sharp({ create: { width, height, channels: 3, background: '#808080' } })
      .png()
      .toFile(path.join(dir, `image-${i}.png`));
  await writeFile(path.join(dir, 'broken.png'), 'not a png');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('describeDataset', () => {
  it('reads the sizes of a folder from the image headers, leaving out unreadable files', async () => {
    const dataset = await openDataset(dir);
    const described = await describeDataset(dataset);
    expect(described.images).toBe(4);
    expect(described.description).toContain(dir);
    expect(described.imageSizes).toEqual({
      measured: 3,
      width: { min: 30, median: 50, max: 70 },
      height: { min: 20, median: 40, max: 60 },
    });
  });

  it('reads only an even sample of the headers when asked to', async () => {
    const described = await describeDataset(await openDataset(dir), { sample: 2 });
    // Records are sorted by id: broken.png, image-0 … image-2; the sample picks 0 and 2.
    expect(described.imageSizes?.measured).toBe(1);
    expect(described.imageSizes?.width.min).toBe(50);
  });
});
