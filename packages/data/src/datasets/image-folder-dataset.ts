import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type Dataset, type ImageRecord, type Sample, SsdetError } from '@ssdet/core';
import { decodeImage, type DecodeOptions } from '../decode-image.js';
import { IMAGE_EXTENSIONS } from './image-extensions.js';

/**
 * Every image under a directory, recursively (jpg, jpeg, png, webp, tif, tiff; any case),
 * ordered by relative path so that the same folder always gives the same dataset. Hidden files
 * and directories are skipped.
 */
export class ImageFolderDataset implements Dataset {
  readonly description: string;

  private constructor(
    private readonly records: readonly ImageRecord[],
    root: string,
    private readonly decode: DecodeOptions,
  ) {
    this.description = `folder ${root}`;
  }

  static async open(root: string, decode: DecodeOptions = {}): Promise<ImageFolderDataset> {
    const absolute = path.resolve(root);
    let files: string[];
    try {
      files = await listImages(absolute);
    } catch (error) {
      throw new SsdetError(
        'DATASET_UNREADABLE',
        `Cannot read the image folder ${absolute}: ${(error as Error).message}.`,
      );
    }
    if (files.length === 0) {
      throw new SsdetError(
        'DATASET_EMPTY',
        `The folder ${absolute} holds no images (looked recursively for ${[...IMAGE_EXTENSIONS].join(', ')}).`,
      );
    }
    const records = files
      .map((file) => ({ id: path.relative(absolute, file).split(path.sep).join('/'), path: file }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return new ImageFolderDataset(records, absolute, decode);
  }

  get size(): number {
    return this.records.length;
  }

  record(index: number): ImageRecord {
    return recordAt(this.records, index);
  }

  async load(index: number): Promise<Sample> {
    const record = this.record(index);
    return { record, image: await decodeImage(record.path, this.decode) };
  }
}

async function listImages(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listImages(full)));
    else if (IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(full);
  }
  return found;
}

/** Bounds-checked access shared by the datasets. */
export function recordAt(records: readonly ImageRecord[], index: number): ImageRecord {
  const record = records[index];
  if (record === undefined) {
    throw new SsdetError(
      'DATASET_INDEX',
      `Image index ${index} is outside the dataset (size ${records.length}).`,
    );
  }
  return record;
}
