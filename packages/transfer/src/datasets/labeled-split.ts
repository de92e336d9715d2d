import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SsdetError } from '@ssdet/core';
import { checkGroundTruth, type CocoGroundTruth } from '../coco/coco-format.js';
import { readJson } from '../coco/read-coco-files.js';
import { readVocDataset } from './voc-dataset.js';

/** A labeled split (`--train`, `--val`): COCO ground truth and each image's file. */
export interface LabeledSplit {
  readonly description: string;
  readonly groundTruth: CocoGroundTruth;
  /** Image id → absolute path. */
  readonly files: ReadonlyMap<number, string>;
}

export interface LabeledSplitOptions {
  /** `--images`: where images are when a file name does not resolve. */
  readonly images?: string;
  /** VOC class names in category-id order (the training split's, for a validation split). */
  readonly classes?: readonly string[];
  /** What the split is called in errors, e.g. `--train`. */
  readonly flag?: string;
}

/**
 * Opens `--train` / `--val`: a COCO json (image `file_name`s relative to the json's folder, or to
 * `--images`) or a folder of Pascal VOC XML. An image whose file is missing is an error naming the
 * json entry and the paths tried.
 */
export async function readLabeledSplit(
  location: string,
  options: LabeledSplitOptions = {},
): Promise<LabeledSplit> {
  const flag = options.flag ?? 'labeled split';
  const absolute = path.resolve(location);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(absolute)).isDirectory();
  } catch {
    throw new SsdetError(
      'SPLIT_MISSING',
      `${flag} ${location}: no such file or directory (expected a COCO json or a folder of VOC XML).`,
    );
  }
  if (isDirectory) {
    const voc = await readVocDataset(absolute, {
      ...(options.images === undefined ? {} : { images: options.images }),
      ...(options.classes === undefined ? {} : { classes: options.classes }),
    });
    return { description: `voc ${absolute}`, groundTruth: voc, files: voc.files };
  }
  const groundTruth = checkGroundTruth(await readJson(absolute, flag), absolute);
  const roots = [
    path.dirname(absolute),
    ...(options.images === undefined ? [] : [path.resolve(options.images)]),
  ];
  const files = new Map<number, string>();
  groundTruth.images.forEach((image, i) => {
    if (image.file_name === undefined)
      throw new SsdetError(
        'SPLIT_BAD_IMAGE',
        `${absolute}: images[${i}].file_name: expected the image's file name.`,
      );
    const candidates = roots.flatMap((root) => [
      path.resolve(root, image.file_name!),
      path.resolve(root, path.basename(image.file_name!)),
    ]);
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found === undefined)
      throw new SsdetError(
        'SPLIT_MISSING_IMAGE',
        `${absolute}: images[${i}] (id ${image.id}): image file "${image.file_name}" not found (looked in ${roots.join(', ')}).`,
        { hint: 'Pass --images <dir> where the images are.' },
      );
    files.set(image.id, found);
  });
  return { description: `coco ${absolute}`, groundTruth, files };
}
