import { SsdetError, type Dataset, type ImageRecord, type Sample } from '@ssdet/core';
import { auditCocoBoxes, decodeImage, describeBoxAudit, rleToBitmap } from '@ssdet/data';
import { segmentationToRle } from '../coco/annotation-mask.js';
import type { CocoAnnotation } from '../coco/coco-format.js';
import type { LabeledSplit } from './labeled-split.js';

/**
 * A labeled split as an ssdet {@link Dataset}: each sample carries its objects as xyxy boxes and
 * their classes as contiguous labels `1 … K` (`categoryIds[label − 1]` is the COCO category).
 * Crowd regions (and VOC's `difficult` objects) are not training targets and are left out, as
 * torchvision's and detectron2's loaders do.
 */
export class LabeledDataset implements Dataset {
  readonly description: string;
  /** Whether the split's objects have segmentations (then samples carry an instance mask). */
  readonly hasMasks: boolean;
  /** Boxes left out (empty, outside their image) or clipped, said once for the run to report. */
  readonly warnings: readonly string[];
  private readonly records: readonly ImageRecord[];
  private readonly objects: ReadonlyMap<number, readonly CocoAnnotation[]>;
  private readonly labelOf: ReadonlyMap<number, number>;

  constructor(
    split: LabeledSplit,
    /** COCO category ids in label order: label `k` is `categoryIds[k − 1]`. */
    readonly categoryIds: readonly number[],
    private readonly maxPixels?: number,
  ) {
    this.description = split.description;
    this.labelOf = new Map(categoryIds.map((id, k) => [id, k + 1]));
    this.records = split.groundTruth.images.map((image) => ({
      id: String(image.id),
      path: split.files.get(image.id)!,
      width: image.width,
      height: image.height,
    }));
    const objects = new Map<number, CocoAnnotation[]>();
    for (const annotation of split.groundTruth.annotations) {
      if (annotation.iscrowd === 1 || annotation.bbox === undefined) continue;
      if (!this.labelOf.has(annotation.category_id)) continue;
      const list = objects.get(annotation.image_id) ?? [];
      list.push(annotation);
      objects.set(annotation.image_id, list);
    }
    this.objects = objects;
    const warning = describeBoxAudit(
      auditCocoBoxes(
        [...objects.values()].flat(),
        new Map(split.groundTruth.images.map((image) => [String(image.id), image])),
      ),
      split.description,
    );
    this.warnings = warning === undefined ? [] : [warning];
    this.hasMasks = [...objects.values()].some((list) =>
      list.some((object) => object.segmentation !== undefined),
    );
  }

  get size(): number {
    return this.records.length;
  }

  record(index: number): ImageRecord {
    return this.records[index]!;
  }

  async load(index: number): Promise<Sample> {
    const record = this.record(index);
    const image = await decodeImage(
      record.path,
      this.maxPixels === undefined ? {} : { maxPixels: this.maxPixels },
    );
    if (image.width !== record.width || image.height !== record.height)
      throw new SsdetError(
        'SPLIT_SIZE_MISMATCH',
        `${record.path}: the image is ${image.width} × ${image.height}, but ${this.description} says ${record.width} × ${record.height} (image id ${record.id}).`,
      );
    const objects = this.objects.get(Number(record.id)) ?? [];
    const boxes = new Float32Array(objects.length * 4);
    const categories = new Int32Array(objects.length);
    objects.forEach((object, i) => {
      const [x, y, w, h] = object.bbox!;
      boxes.set([x!, y!, x! + w!, y! + h!], 4 * i);
      categories[i] = this.labelOf.get(object.category_id)!;
    });
    if (!this.hasMasks) return { record, image, annotations: { boxes, categories } };
    // Object i paints label i + 1 where pycocotools' rasteriser puts its mask.
    const labels = new Int32Array(image.width * image.height);
    objects.forEach((object, i) => {
      if (object.segmentation === undefined) return;
      const bits = rleToBitmap(segmentationToRle(object.segmentation, image.height, image.width));
      for (let x = 0; x < image.width; x++)
        for (let y = 0; y < image.height; y++)
          if (bits[x * image.height + y] === 1) labels[y * image.width + x] = i + 1;
    });
    return {
      record,
      image,
      annotations: {
        boxes,
        categories,
        instanceMask: { width: image.width, height: image.height, labels },
      },
    };
  }
}
