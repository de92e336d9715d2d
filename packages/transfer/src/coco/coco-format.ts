import { SsdetError } from '@ssdet/core';

/** A COCO segmentation: polygons, or RLE with uncompressed (`number[]`) or compressed counts. */
export type CocoSegmentation =
  | number[][]
  | { readonly size: readonly [number, number]; readonly counts: number[] | string };

export interface CocoImage {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly file_name?: string;
}

export interface CocoAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  /** `[x, y, w, h]`. */
  readonly bbox?: readonly number[];
  /** Used for the area ranges (small / medium / large); pycocotools reads it as given. */
  readonly area?: number;
  readonly iscrowd?: number;
  readonly segmentation?: CocoSegmentation;
}

export interface CocoCategory {
  readonly id: number;
  readonly name?: string;
}

/** A COCO annotation file: what `--gt` and a fine-tune's `--val` read. */
export interface CocoGroundTruth {
  readonly images: readonly CocoImage[];
  readonly annotations: readonly CocoAnnotation[];
  readonly categories: readonly CocoCategory[];
}

/** One entry of the standard COCO results list (`--dt`). */
export interface CocoResult {
  readonly image_id: number;
  readonly category_id: number;
  readonly score: number;
  readonly bbox?: readonly number[];
  readonly segmentation?: {
    readonly size: readonly [number, number];
    readonly counts: number[] | string;
  };
}

export type IouType = 'bbox' | 'segm';

/**
 * Checks a parsed annotation file field by field; `source` names it in errors
 * (`val.json: annotations[12].bbox: expected [x, y, w, h] with w, h ≥ 0`).
 */
export function checkGroundTruth(value: unknown, source: string): CocoGroundTruth {
  const fail = (where: string, expected: string): never => {
    throw new SsdetError('COCO_BAD_GT', `${source}: ${where}: expected ${expected}.`);
  };
  if (value === null || typeof value !== 'object') fail('the file', 'a COCO json object');
  const data = value as Record<string, unknown>;
  for (const key of ['images', 'annotations', 'categories'])
    if (!Array.isArray(data[key])) fail(key, 'an array');
  (data['images'] as unknown[]).forEach((image, i) => {
    const entry = image as Record<string, unknown>;
    if (!Number.isFinite(entry?.['id'])) fail(`images[${i}].id`, 'a number');
    for (const key of ['width', 'height'])
      if (!(Number.isInteger(entry[key]) && (entry[key] as number) > 0))
        fail(`images[${i}].${key}`, 'a positive integer');
  });
  (data['categories'] as unknown[]).forEach((category, i) => {
    if (!Number.isFinite((category as Record<string, unknown>)?.['id']))
      fail(`categories[${i}].id`, 'a number');
  });
  (data['annotations'] as unknown[]).forEach((annotation, i) => {
    const entry = annotation as Record<string, unknown>;
    for (const key of ['id', 'image_id', 'category_id'])
      if (!Number.isFinite(entry?.[key])) fail(`annotations[${i}].${key}`, 'a number');
    if (entry['bbox'] !== undefined && !isBox(entry['bbox']))
      fail(`annotations[${i}].bbox`, '[x, y, w, h] with w, h ≥ 0');
  });
  return data as unknown as CocoGroundTruth;
}

/** Checks a parsed results list; every image id must be one of the ground truth's. */
export function checkResults(
  value: unknown,
  groundTruth: CocoGroundTruth,
  iouType: IouType,
  source: string,
): CocoResult[] {
  const fail = (where: string, expected: string): never => {
    throw new SsdetError('COCO_BAD_RESULTS', `${source}: ${where}: expected ${expected}.`);
  };
  if (!Array.isArray(value)) fail('the file', 'a list of COCO results');
  const images = new Set(groundTruth.images.map((image) => image.id));
  (value as unknown[]).forEach((result, i) => {
    const entry = result as Record<string, unknown>;
    if (entry === null || typeof entry !== 'object') fail(`[${i}]`, 'an object');
    if (!Number.isFinite(entry['image_id'])) fail(`[${i}].image_id`, 'a number');
    if (!images.has(entry['image_id'] as number))
      fail(
        `[${i}].image_id`,
        `an image id of the ground truth (${String(entry['image_id'])} is not one)`,
      );
    if (!Number.isFinite(entry['category_id'])) fail(`[${i}].category_id`, 'a number');
    if (!Number.isFinite(entry['score'])) fail(`[${i}].score`, 'a number');
    if (iouType === 'bbox' && !isBox(entry['bbox']))
      fail(`[${i}].bbox`, '[x, y, w, h] with w, h ≥ 0 (bbox evaluation)');
    const segmentation = entry['segmentation'] as Record<string, unknown> | undefined;
    if (
      iouType === 'segm' &&
      (segmentation === undefined ||
        !Array.isArray(segmentation['size']) ||
        !(typeof segmentation['counts'] === 'string' || Array.isArray(segmentation['counts'])))
    )
      fail(`[${i}].segmentation`, 'an RLE { size: [h, w], counts } (segm evaluation)');
  });
  return value as CocoResult[];
}

function isBox(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((v) => Number.isFinite(v)) &&
    (value[2] as number) >= 0 &&
    (value[3] as number) >= 0
  );
}
