import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDataset } from '../synthetic/write-synthetic-dataset.js';
import { PHOTOS } from '../test-support/fixtures.js';
import { CocoDataset } from './coco-dataset.js';
import { decodeRleCounts, encodeRleCounts } from './coco-rle.js';
import { openDataset } from './open-dataset.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-datasets-'));
  await mkdir(path.join(dir, 'folder', 'b', 'deeper'), { recursive: true });
  await mkdir(path.join(dir, 'folder', '.hidden'), { recursive: true });
  await copyFile(
    path.join(PHOTOS, 'chelsea.jpg'),
    path.join(dir, 'folder', 'b', 'deeper', 'cat.JPG'),
  );
  await copyFile(path.join(PHOTOS, 'coffee.jpg'), path.join(dir, 'folder', 'a.jpg'));
  await copyFile(path.join(PHOTOS, 'coffee.jpg'), path.join(dir, 'folder', '.hidden', 'x.jpg'));
  await writeFile(path.join(dir, 'folder', 'readme.txt'), 'not an image');
  await writeFile(
    path.join(dir, 'list.txt'),
    `# photos\nfolder/b/deeper/cat.JPG\n\n${path.join(dir, 'folder', 'a.jpg')}\n`,
  );
  await writeSyntheticDataset({
    out: path.join(dir, 'synthetic'),
    count: 3,
    seed: 5,
    width: 96,
    height: 64,
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('datasets', () => {
  it('an image folder is found recursively, in sorted order, skipping hidden and non-image files', async () => {
    const dataset = await openDataset(path.join(dir, 'folder'));
    expect(dataset.size).toBe(2);
    expect([dataset.record(0).id, dataset.record(1).id]).toEqual(['a.jpg', 'b/deeper/cat.JPG']);
    expect((await dataset.load(1)).image.width).toBe(451);
    expect(() => dataset.record(2)).toThrow(/index 2 is outside the dataset \(size 2\)/);
  });

  it('a list file keeps its order and resolves paths relative to itself', async () => {
    const dataset = await openDataset(path.join(dir, 'list.txt'));
    expect(dataset.size).toBe(2);
    expect(dataset.record(0).path).toBe(path.join(dir, 'folder', 'b', 'deeper', 'cat.JPG'));
  });

  it('a COCO file gives boxes, categories and instance masks that agree with each other', async () => {
    const dataset = await openDataset(path.join(dir, 'synthetic', 'annotations.json'));
    expect(dataset).toBeInstanceOf(CocoDataset);
    const sample = await dataset.load(0);
    const annotations = sample.annotations!;
    const count = annotations.categories.length;
    expect(count).toBeGreaterThan(0);
    const mask = annotations.instanceMask!;
    for (let i = 0; i < count; i++) {
      // The box is the extent of the instance's visible pixels.
      let [minX, minY, maxX, maxY] = [Infinity, Infinity, -1, -1];
      for (let y = 0; y < mask.height; y++) {
        for (let x = 0; x < mask.width; x++) {
          if (mask.labels[y * mask.width + x] !== i + 1) continue;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
      expect(Array.from(annotations.boxes.slice(4 * i, 4 * i + 4))).toEqual([
        minX,
        minY,
        maxX + 1,
        maxY + 1,
      ]);
      expect(annotations.categories[i]).toBeGreaterThanOrEqual(1);
      expect(annotations.categories[i]).toBeLessThanOrEqual(5);
    }
  });

  it('reports a malformed COCO file by field', async () => {
    await writeFile(
      path.join(dir, 'bad.json'),
      JSON.stringify({
        images: [{ id: 1, file_name: '' }],
        annotations: [{ image_id: 1, bbox: [1, 2, 3], category_id: 1 }],
      }),
    );
    await expect(openDataset(path.join(dir, 'bad.json'))).rejects.toThrow(
      /images\.0\.file_name: got ""; .*\n.*annotations\.0\.bbox/,
    );
  });

  it('explains a --data that is neither folder, json nor list', async () => {
    await expect(openDataset(path.join(dir, 'nope'))).rejects.toThrow(
      /--data .*nope: no such file or directory/,
    );
    await expect(openDataset(path.join(PHOTOS, 'coffee.jpg'))).rejects.toThrow(
      /expected an image directory, a COCO \.json, or a \.txt image list/,
    );
    await mkdir(path.join(dir, 'empty'));
    await expect(openDataset(path.join(dir, 'empty'))).rejects.toThrow(/holds no images/);
  });

  it('decodes pycocotools compressed RLE strings (round trip through maskApi.c rleToString)', () => {
    for (const counts of [
      [0, 5, 3],
      [2, 3, 2, 3, 2],
      [1200, 35, 4, 600, 31, 2, 0, 1],
    ]) {
      expect(Array.from(decodeRleCounts(encodeRleCounts(counts)))).toEqual(counts);
    }
  });
});

describe('synthetic scenes', () => {
  it('are byte-for-byte deterministic for a seed and differ across seeds', async () => {
    const again = path.join(dir, 'again');
    const other = path.join(dir, 'other');
    await writeSyntheticDataset({ out: again, count: 3, seed: 5, width: 96, height: 64 });
    await writeSyntheticDataset({ out: other, count: 3, seed: 6, width: 96, height: 64 });
    const read = (root: string, name: string) => readFile(path.join(root, name));
    expect(
      (await read(again, 'annotations.json')).equals(
        await read(path.join(dir, 'synthetic'), 'annotations.json'),
      ),
    ).toBe(true);
    expect(
      (await read(again, 'images/000002.jpg')).equals(
        await read(path.join(dir, 'synthetic'), 'images/000002.jpg'),
      ),
    ).toBe(true);
    expect(
      (await read(other, 'images/000002.jpg')).equals(await read(again, 'images/000002.jpg')),
    ).toBe(false);
  });
});
