import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdetError } from '@ssdet/core';
import { XMLParser } from 'fast-xml-parser';
import type {
  CocoAnnotation,
  CocoCategory,
  CocoGroundTruth,
  CocoImage,
} from '../coco/coco-format.js';

/** A COCO ground truth read from VOC XML, with the image file of every image id. */
export interface VocGroundTruth extends CocoGroundTruth {
  /** Image id → absolute path of its image file. */
  readonly files: ReadonlyMap<number, string>;
}

export interface VocOptions {
  /** Where the images are when an XML's `<path>` / `<filename>` does not resolve (`--images`). */
  readonly images?: string;
  /**
   * The class names, in category-id order (ids 1, 2, …). Given (e.g. the training split's classes
   * for a validation split), an object of another class is an error; not given, the classes are
   * the sorted names found.
   */
  readonly classes?: readonly string[];
}

interface VocObject {
  readonly name: string;
  readonly difficult: boolean;
  readonly box: [number, number, number, number];
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/**
 * A folder of Pascal VOC XML files, as LabelImg writes them, as a COCO ground truth: one image per
 * XML (ids in file-name order), one annotation per `<object>` with VOC's 1-based inclusive pixel
 * box turned into COCO's `[x, y, w, h]` (`x = xmin − 1`, `w = xmax − xmin + 1`), `<difficult>` as
 * COCO's `iscrowd` (matched detections are neither rewarded nor punished, as VOC's evaluation
 * treats them). Every problem — unparsable XML, a missing image, a box outside the image or of
 * negative size, an unknown class — is an error naming the file and the object.
 */
export async function readVocDataset(
  directory: string,
  options: VocOptions = {},
): Promise<VocGroundTruth> {
  const root = path.resolve(directory);
  let names: string[];
  try {
    names = (await readdir(root)).filter((name) => name.toLowerCase().endsWith('.xml')).sort();
  } catch {
    throw new SsdetError('VOC_MISSING', `${directory}: no such directory of VOC XML files.`);
  }
  if (names.length === 0)
    throw new SsdetError('VOC_EMPTY', `${directory}: no .xml annotation files in it.`);
  const parsed = await Promise.all(
    names.map(async (name) => parseVocFile(path.join(root, name), options.images)),
  );
  const classes =
    options.classes ?? [...new Set(parsed.flatMap((p) => p.objects.map((o) => o.name)))].sort();
  const categoryOf = new Map(classes.map((name, i) => [name, i + 1]));
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  const files = new Map<number, string>();
  parsed.forEach((entry, i) => {
    const id = i + 1;
    images.push({
      id,
      width: entry.width,
      height: entry.height,
      file_name: path.basename(entry.image),
    });
    files.set(id, entry.image);
    entry.objects.forEach((object, k) => {
      const category = categoryOf.get(object.name);
      if (category === undefined)
        throw new SsdetError(
          'VOC_UNKNOWN_CLASS',
          `${entry.file}: object ${k + 1} has class "${object.name}", which is not one of ${classes.join(', ')}.`,
        );
      const [xmin, ymin, xmax, ymax] = object.box;
      const w = xmax - xmin + 1;
      const h = ymax - ymin + 1;
      annotations.push({
        id: annotations.length + 1,
        image_id: id,
        category_id: category,
        bbox: [xmin - 1, ymin - 1, w, h],
        area: w * h,
        iscrowd: object.difficult ? 1 : 0,
      });
    });
  });
  const categories: CocoCategory[] = classes.map((name, i) => ({ id: i + 1, name }));
  return { images, annotations, categories, files };
}

async function parseVocFile(
  file: string,
  imagesDirectory: string | undefined,
): Promise<{ file: string; image: string; width: number; height: number; objects: VocObject[] }> {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SsdetError(
      'VOC_BAD_XML',
      `${file}: not readable VOC XML (${(error as Error).message}).`,
    );
  }
  const annotation = document['annotation'] as Record<string, unknown> | undefined;
  if (annotation === undefined)
    throw new SsdetError('VOC_BAD_XML', `${file}: no <annotation> element.`);
  const size = annotation['size'] as Record<string, unknown> | undefined;
  const width = Number(size?.['width']);
  const height = Number(size?.['height']);
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new SsdetError(
      'VOC_BAD_SIZE',
      `${file}: <size> must give positive integer <width> and <height>; got ${String(size?.['width'])} × ${String(size?.['height'])}.`,
    );
  const image = resolveImage(file, annotation, imagesDirectory);
  const rawObjects = annotation['object'];
  const list =
    rawObjects === undefined ? [] : Array.isArray(rawObjects) ? rawObjects : [rawObjects];
  const objects = list.map((raw, k) => {
    const object = raw as Record<string, unknown>;
    const where = `${file}: object ${k + 1}`;
    const name = typeof object['name'] === 'string' ? object['name'].trim() : '';
    if (name === '') throw new SsdetError('VOC_BAD_OBJECT', `${where}: no <name>.`);
    const box = object['bndbox'] as Record<string, unknown> | undefined;
    const values = ['xmin', 'ymin', 'xmax', 'ymax'].map((key) => Number(box?.[key]));
    if (values.some((value) => !Number.isFinite(value)))
      throw new SsdetError(
        'VOC_BAD_OBJECT',
        `${where} ("${name}"): <bndbox> needs numeric xmin, ymin, xmax, ymax.`,
      );
    const [xmin, ymin, xmax, ymax] = values as [number, number, number, number];
    if (xmax < xmin || ymax < ymin)
      throw new SsdetError(
        'VOC_NEGATIVE_BOX',
        `${where} ("${name}"): the box [${values.join(', ')}] has a negative size (xmax < xmin or ymax < ymin).`,
      );
    // VOC boxes are 1-based and inclusive: 1 … width.
    if (xmin < 1 || ymin < 1 || xmax > width || ymax > height)
      throw new SsdetError(
        'VOC_BOX_OUTSIDE',
        `${where} ("${name}"): the box [${values.join(', ')}] is outside the ${width} × ${height} image (VOC boxes run from 1 to the width and height).`,
      );
    return {
      name,
      difficult: String(object['difficult'] ?? '0') === '1',
      box: [xmin, ymin, xmax, ymax] as [number, number, number, number],
    };
  });
  return { file, image, width, height, objects };
}

/** The image of an XML: `<path>`, then `<filename>` beside the XML, then in `imagesDirectory`. */
function resolveImage(
  file: string,
  annotation: Record<string, unknown>,
  imagesDirectory: string | undefined,
): string {
  const filename = typeof annotation['filename'] === 'string' ? annotation['filename'] : undefined;
  const candidates: string[] = [];
  if (typeof annotation['path'] === 'string') candidates.push(annotation['path']);
  if (filename !== undefined) {
    if (imagesDirectory !== undefined) candidates.push(path.resolve(imagesDirectory, filename));
    candidates.push(path.join(path.dirname(file), filename));
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined)
    throw new SsdetError(
      'VOC_MISSING_IMAGE',
      `${file}: its image ${filename === undefined ? '(no <filename>)' : `"${filename}"`} was not found (looked at ${candidates.length === 0 ? 'nothing' : candidates.join(', ')}).`,
      { hint: 'Point --images at the folder that holds the images.' },
    );
  return path.resolve(found);
}
