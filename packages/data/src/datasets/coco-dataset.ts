import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  type Annotations,
  type LabelMask,
  type Dataset,
  type ImageRecord,
  parseConfig,
  type Sample,
  SsdetError,
} from '@ssdet/core';
import { decodeImage, type DecodeOptions } from '../decode-image.js';
import { auditCocoBoxes, describeBoxAudit } from './audit-coco-boxes.js';
import { paintSegmentation, type CocoSegmentation } from './coco-masks.js';
import { recordAt } from './image-folder-dataset.js';

const segmentationSchema = z.union([
  z.array(z.array(z.number())),
  z.object({
    size: z.tuple([z.number().int(), z.number().int()]),
    counts: z.union([z.array(z.number().int()), z.string()]),
  }),
]);

const cocoSchema = z.object({
  images: z.array(
    z.object({
      id: z.union([z.number(), z.string()]),
      file_name: z.string().min(1),
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
    }),
  ),
  annotations: z
    .array(
      z.object({
        id: z.union([z.number(), z.string()]).optional(),
        image_id: z.union([z.number(), z.string()]),
        bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
        category_id: z.number().int(),
        iscrowd: z.number().int().optional(),
        segmentation: segmentationSchema.optional(),
      }),
    )
    .optional(),
  categories: z.array(z.object({ id: z.number().int(), name: z.string() })).optional(),
});

type CocoAnnotation = NonNullable<z.output<typeof cocoSchema>['annotations']>[number];

export interface CocoOptions extends DecodeOptions {
  /** Directory `file_name`s are relative to. Default: the json file's directory. */
  readonly imageRoot?: string;
}

/**
 * A COCO-format json (`images`, optionally `annotations` and `categories`). Images keep the
 * file's order. Annotations, when present, come with each sample as xyxy boxes, category ids and
 * an instance label mask (polygons and RLE; crowd regions are not instances and are left out).
 */
export class CocoDataset implements Dataset {
  readonly description: string;
  readonly categories: readonly { readonly id: number; readonly name: string }[];
  /** What is wrong with the file's boxes (left out or clipped), for the run to report. */
  readonly warnings: readonly string[];

  private constructor(
    private readonly records: readonly ImageRecord[],
    private readonly annotationsByImage: ReadonlyMap<string, readonly CocoAnnotation[]> | undefined,
    categories: readonly { id: number; name: string }[],
    jsonFile: string,
    private readonly options: CocoOptions,
    warnings: readonly string[],
  ) {
    this.description = `coco ${jsonFile}`;
    this.categories = categories;
    this.warnings = warnings;
  }

  static async open(jsonFile: string, options: CocoOptions = {}): Promise<CocoDataset> {
    const absolute = path.resolve(jsonFile);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(absolute, 'utf8'));
    } catch (error) {
      throw new SsdetError(
        'DATASET_UNREADABLE',
        `Cannot read the COCO file ${absolute}: ${(error as Error).message}.`,
      );
    }
    const coco = parseConfig(cocoSchema, raw, `the COCO file ${absolute}`);
    if (coco.images.length === 0)
      throw new SsdetError('DATASET_EMPTY', `The COCO file ${absolute} lists no images.`);
    const root = path.resolve(options.imageRoot ?? path.dirname(absolute));
    const records = coco.images.map((image) => ({
      id: String(image.id),
      path: path.resolve(root, image.file_name),
      ...(image.width === undefined ? {} : { width: image.width }),
      ...(image.height === undefined ? {} : { height: image.height }),
    }));
    let byImage: Map<string, CocoAnnotation[]> | undefined;
    if (coco.annotations !== undefined) {
      byImage = new Map();
      for (const annotation of coco.annotations) {
        const key = String(annotation.image_id);
        const list = byImage.get(key) ?? [];
        list.push(annotation);
        byImage.set(key, list);
      }
    }
    const audit = auditCocoBoxes(
      coco.annotations ?? [],
      new Map(coco.images.map((image) => [String(image.id), image])),
    );
    const warning = describeBoxAudit(audit, `The COCO file ${absolute}`);
    return new CocoDataset(
      records,
      byImage,
      coco.categories ?? [],
      absolute,
      options,
      warning === undefined ? [] : [warning],
    );
  }

  get size(): number {
    return this.records.length;
  }

  record(index: number): ImageRecord {
    return recordAt(this.records, index);
  }

  async load(index: number): Promise<Sample> {
    const record = this.record(index);
    const image = await decodeImage(record.path, this.options);
    if (this.annotationsByImage === undefined) return { record, image };
    const instances = (this.annotationsByImage.get(record.id) ?? []).filter(
      (annotation) => annotation.iscrowd !== 1,
    );
    return { record, image, annotations: toAnnotations(instances, image.width, image.height) };
  }
}

/**
 * A sample's ground truth. The instance mask is painted from the polygons or RLEs on first read:
 * most pre-training methods never look at it, and painting it took longer than decoding the JPEG.
 */
function toAnnotations(
  instances: readonly CocoAnnotation[],
  width: number,
  height: number,
): Annotations {
  const boxes = new Float32Array(instances.length * 4);
  const categories = new Int32Array(instances.length);
  instances.forEach((annotation, i) => {
    const [x, y, w, h] = annotation.bbox;
    boxes.set([x, y, x + w, y + h], 4 * i);
    categories[i] = annotation.category_id;
  });
  if (!instances.some((annotation) => annotation.segmentation !== undefined))
    return { boxes, categories };
  let instanceMask: LabelMask | undefined;
  return Object.defineProperty({ boxes, categories }, 'instanceMask', {
    enumerable: true,
    get(): LabelMask {
      if (instanceMask === undefined) {
        const labels = new Int32Array(width * height);
        instances.forEach((annotation, i) => {
          if (annotation.segmentation !== undefined)
            paintSegmentation(
              labels,
              width,
              height,
              annotation.segmentation as CocoSegmentation,
              i + 1,
            );
        });
        instanceMask = { width, height, labels };
      }
      return instanceMask;
    },
  }) as Annotations;
}
