import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type Dataset, SsdetError } from '@ssdet/core';
import type { DecodeOptions } from '../decode-image.js';
import { CocoDataset } from './coco-dataset.js';
import { ImageFolderDataset } from './image-folder-dataset.js';
import { ListFileDataset } from './list-file-dataset.js';

/** `--data`: a directory (image folder), a `.json` (COCO) or a `.txt`/`.lst` (image list). */
export async function openDataset(location: string, options: DecodeOptions = {}): Promise<Dataset> {
  const absolute = path.resolve(location);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(absolute)).isDirectory();
  } catch {
    throw new SsdetError('DATASET_MISSING', `--data ${location}: no such file or directory.`);
  }
  if (isDirectory) return ImageFolderDataset.open(absolute, options);
  const extension = path.extname(absolute).toLowerCase();
  if (extension === '.json') return CocoDataset.open(absolute, options);
  if (extension === '.txt' || extension === '.lst') return ListFileDataset.open(absolute, options);
  throw new SsdetError(
    'DATASET_KIND',
    `--data ${location}: expected an image directory, a COCO .json, or a .txt image list.`,
  );
}
