import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabeledSplit } from './labeled-split.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ssdet-split-'));
  await writeFile(path.join(dir, 'present.jpg'), 'not decoded here');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const coco = (fileName: string) => ({
  images: [{ id: 7, file_name: fileName, width: 10, height: 10 }],
  annotations: [{ id: 1, image_id: 7, category_id: 1, bbox: [1, 1, 3, 3] }],
  categories: [{ id: 1, name: 'thing' }],
});

describe('readLabeledSplit', () => {
  it('resolves COCO file names next to the json, or under --images', async () => {
    const file = path.join(dir, 'split.json');
    await writeFile(file, JSON.stringify(coco('present.jpg')));
    const split = await readLabeledSplit(file, { flag: '--train' });
    expect(split.files.get(7)).toBe(path.join(dir, 'present.jpg'));
    const elsewhere = path.join(dir, 'nested', 'split.json');
    await mkdir(path.dirname(elsewhere), { recursive: true });
    await writeFile(elsewhere, JSON.stringify(coco('photos/present.jpg')));
    const viaImages = await readLabeledSplit(elsewhere, { flag: '--train', images: dir });
    expect(viaImages.files.get(7)).toBe(path.join(dir, 'present.jpg'));
  });

  it('names the json entry and the folders searched when an image is missing', async () => {
    const file = path.join(dir, 'missing.json');
    await writeFile(file, JSON.stringify(coco('gone.jpg')));
    await expect(readLabeledSplit(file, { flag: '--val' })).rejects.toThrow(
      /missing\.json: images\[0\] \(id 7\): image file "gone\.jpg" not found \(looked in .*\)/,
    );
  });

  it('names the flag when the split does not exist, and the field when the json is malformed', async () => {
    await expect(readLabeledSplit(path.join(dir, 'nope'), { flag: '--train' })).rejects.toThrow(
      /--train .*nope: no such file or directory \(expected a COCO json or a folder of VOC XML\)/,
    );
    const bad = path.join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ images: [{ id: 1, width: 0, height: 5 }], annotations: [], categories: [] }),
    );
    await expect(readLabeledSplit(bad)).rejects.toThrow(
      /bad\.json: images\[0\]\.width: expected a positive integer/,
    );
  });
});
