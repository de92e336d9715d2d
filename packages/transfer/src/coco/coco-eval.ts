import { accumulate } from './accumulate.js';
import { segmentationToRle } from './annotation-mask.js';
import { defaultCocoEvalParams, type CocoEvalParams } from './coco-eval-params.js';
import type { CocoGroundTruth, CocoResult, IouType } from './coco-format.js';
import {
  evaluateImage,
  stableArgsort,
  type ImageEvaluation,
  type PreparedDetection,
  type PreparedGroundTruth,
} from './evaluate-image.js';
import { boxIou, maskIou } from './iou.js';
import { rleArea, type Rle } from '@ssdet/data';
import { perCategoryAp, summarize } from './summarize.js';

/** What `ssdet eval` writes per IoU type. */
export interface CocoEvaluation {
  /** The 12 numbers of `COCOeval.summarize()`, in its order (see `COCO_STAT_NAMES`). */
  readonly stats: number[];
  /** AP per category id (area all, maxDets 100), −1 without ground truth. */
  readonly per_category_AP: Record<string, number>;
}

interface Entry<Prepared> {
  readonly prepared: Prepared;
  readonly box: readonly number[];
  readonly mask?: Rle;
}

/**
 * COCO evaluation of `results` against `groundTruth`, identical to pycocotools' `COCOeval`
 * (`evaluate()`, `accumulate()`, `summarize()`) for bbox and segm: the same IoUs (crowd regions
 * over the detection's area; masks rasterised as pycocotools does), the same greedy matching, the
 * same precision interpolation and the same averaging. Results must have been checked
 * (`checkResults`): detections of categories not in the ground truth are dropped, as pycocotools
 * drops them.
 */
export function evaluateCoco(
  groundTruth: CocoGroundTruth,
  results: readonly CocoResult[],
  iouType: IouType,
  params: CocoEvalParams = defaultCocoEvalParams(iouType),
): CocoEvaluation {
  const imageIds = [...new Set(groundTruth.images.map((image) => image.id))].sort((a, b) => a - b);
  const categoryIds = [...new Set(groundTruth.categories.map((c) => c.id))].sort((a, b) => a - b);
  const imageSize = new Map(groundTruth.images.map((image) => [image.id, image]));
  const categories = new Set(categoryIds);
  const key = (image: number, category: number) => `${image}/${category}`;

  const gts = new Map<string, Entry<PreparedGroundTruth>[]>();
  for (const annotation of groundTruth.annotations) {
    const image = imageSize.get(annotation.image_id);
    if (image === undefined || !categories.has(annotation.category_id)) continue;
    const mask =
      iouType === 'segm' && annotation.segmentation !== undefined
        ? segmentationToRle(annotation.segmentation, image.height, image.width)
        : undefined;
    const box = annotation.bbox ?? [0, 0, 0, 0];
    // pycocotools reads `area` as given; a file without it gets the box's or the mask's.
    const area =
      annotation.area ?? (mask !== undefined ? rleArea(mask) : (box[2] ?? 0) * (box[3] ?? 0));
    const entry = {
      prepared: { id: annotation.id, area, crowd: (annotation.iscrowd ?? 0) !== 0 },
      box,
      ...(mask === undefined ? {} : { mask }),
    };
    const list = gts.get(key(annotation.image_id, annotation.category_id)) ?? [];
    list.push(entry);
    gts.set(key(annotation.image_id, annotation.category_id), list);
  }

  // pycocotools' loadRes takes every detection's area from its box when the first result has a
  // box (detectron2's segm results do), and from its mask otherwise.
  const areaFromBox = iouType === 'bbox' || (results[0]?.bbox?.length ?? 0) > 0;
  const dts = new Map<string, Entry<PreparedDetection>[]>();
  results.forEach((result, index) => {
    const image = imageSize.get(result.image_id);
    if (image === undefined || !categories.has(result.category_id)) return;
    const mask =
      iouType === 'segm' && result.segmentation !== undefined
        ? segmentationToRle(result.segmentation, image.height, image.width)
        : undefined;
    const box = result.bbox ?? [0, 0, 0, 0];
    const area = areaFromBox || mask === undefined ? box[2]! * box[3]! : rleArea(mask);
    const entry = {
      prepared: { id: index + 1, area, score: result.score },
      box,
      ...(mask === undefined ? {} : { mask }),
    };
    const list = dts.get(key(result.image_id, result.category_id)) ?? [];
    list.push(entry);
    dts.set(key(result.image_id, result.category_id), list);
  });

  const maxDet = params.maxDets[params.maxDets.length - 1]!;
  const iouCache = new Map<
    string,
    { ious: Float64Array; dt: PreparedDetection[]; gt: PreparedGroundTruth[] }
  >();
  for (const image of imageIds) {
    for (const category of categoryIds) {
      const gt = gts.get(key(image, category)) ?? [];
      const dtAll = dts.get(key(image, category)) ?? [];
      const order = stableArgsort(dtAll.map((d) => -d.prepared.score)).slice(0, maxDet);
      const dt = order.map((i) => dtAll[i]!);
      const crowd = gt.map((g) => g.prepared.crowd);
      const ious =
        gt.length === 0 || dt.length === 0
          ? new Float64Array(0)
          : iouType === 'segm'
            ? maskIou(
                dt.map((d) => d.mask!),
                gt.map((g) => g.mask ?? { height: 0, width: 0, counts: new Uint32Array(0) }),
                crowd,
              )
            : boxIou(
                dt.map((d) => d.box),
                gt.map((g) => g.box),
                crowd,
              );
      iouCache.set(key(image, category), {
        ious,
        dt: dt.map((d) => d.prepared),
        gt: gt.map((g) => g.prepared),
      });
    }
  }

  const evaluations: (ImageEvaluation | undefined)[][][] = categoryIds.map((category) =>
    params.areaRanges.map((range) =>
      imageIds.map((image) => {
        const { ious, dt, gt } = iouCache.get(key(image, category))!;
        return evaluateImage(gt, dt, ious, range, maxDet, params.iouThresholds);
      }),
    ),
  );
  const accumulated = accumulate(evaluations, params);
  return {
    stats: summarize(accumulated, params),
    per_category_AP: perCategoryAp(accumulated, params, categoryIds),
  };
}
