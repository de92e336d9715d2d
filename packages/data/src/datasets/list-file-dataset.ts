import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Dataset, type ImageRecord, type Sample, SsdetError } from '@ssdet/core';
import { decodeImage, type DecodeOptions } from '../decode-image.js';
import { recordAt } from './image-folder-dataset.js';

/**
 * Images named in a text file, one path per line (relative paths are relative to the list
 * file); blank lines and lines starting with `#` are ignored. Order is the file's order.
 */
export class ListFileDataset implements Dataset {
  readonly description: string;

  private constructor(
    private readonly records: readonly ImageRecord[],
    listFile: string,
    private readonly decode: DecodeOptions,
  ) {
    this.description = `list ${listFile}`;
  }

  static async open(listFile: string, decode: DecodeOptions = {}): Promise<ListFileDataset> {
    const absolute = path.resolve(listFile);
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch {
      throw new SsdetError('DATASET_UNREADABLE', `Cannot read the image list ${absolute}.`);
    }
    const base = path.dirname(absolute);
    const records = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => ({ id: line, path: path.resolve(base, line) }));
    if (records.length === 0)
      throw new SsdetError('DATASET_EMPTY', `The image list ${absolute} names no images.`);
    return new ListFileDataset(records, absolute, decode);
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
