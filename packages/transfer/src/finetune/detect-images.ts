import { collate, disposeBatch, Rng, type Dataset } from '@ssdet/core';
import { encodeRleCounts, rleFromBitmap, viewToSource } from '@ssdet/data';
import { MASK_SIZE } from '../detection/faster-rcnn.js';
import { pasteMask } from '../detection/paste-masks.js';
import type { CocoResult } from '../coco/coco-format.js';
import type { Detector } from '../detection/detector.js';
import { cropToBatchExtent, DETECTION_VIEW, type DetectionViews } from './detection-views.js';

/** One image's detections in its own pixels, with COCO category ids. */
export interface ImageDetections {
  readonly imageId: number;
  /** `[D, 4]` xyxy in source-image pixels. */
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly categoryIds: Int32Array;
  /** Mask R-CNN: each detection's binary mask as COCO compressed RLE of the image's size. */
  readonly masks?: readonly { readonly size: [number, number]; readonly counts: string }[];
}

/**
 * Runs a detector over every image of `dataset` (evaluation views, `batchSize` at a time) and maps
 * the detections back into each image's pixels.
 */
export async function detectImages(
  detector: Detector,
  dataset: Dataset,
  views: DetectionViews,
  categoryIds: readonly number[],
  batchSize: number,
): Promise<ImageDetections[]> {
  const out: ImageDetections[] = [];
  const rng = Rng.fromSeed(0);
  for (let start = 0; start < dataset.size; start += batchSize) {
    const indices = Array.from(
      { length: Math.min(batchSize, dataset.size - start) },
      (_, i) => start + i,
    );
    const samples = await Promise.all(indices.map((index) => dataset.load(index)));
    const host = {
      epoch: 0,
      index: start,
      cursor: start,
      records: samples.map((sample) => sample.record),
      views: samples.map(({ record, image }) => views.generate({ record, image }, undefined, rng)),
    };
    const batch = collate(host, views.viewNames);
    const view = batch.views[DETECTION_VIEW]!;
    const { images, masks } = cropToBatchExtent(view);
    masks?.dispose();
    try {
      const detections = detector.detect({
        images,
        imageSizes: view.geometry.map((g) => [g.height, g.width] as const),
      });
      detections.forEach((detection, i) => {
        const geometry = view.geometry[i]!;
        const boxes = new Float32Array(detection.boxes.length);
        for (let k = 0; k < detection.boxes.length; k += 4) {
          const [a, b] = viewToSource(geometry, detection.boxes[k]!, detection.boxes[k + 1]!);
          const [c, d] = viewToSource(geometry, detection.boxes[k + 2]!, detection.boxes[k + 3]!);
          boxes.set([Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)], k);
        }
        const { width, height } = samples[i]!.image;
        out.push({
          imageId: Number(samples[i]!.record.id),
          boxes,
          scores: detection.scores,
          categoryIds: Int32Array.from(detection.labels, (label) => categoryIds[label - 1]!),
          ...(detection.masks === undefined
            ? {}
            : { masks: masksAsRle(detection.masks, boxes, height, width) }),
        });
      });
    } finally {
      images.dispose();
      disposeBatch(batch);
    }
  }
  return out;
}

/**
 * Each detection's 28×28 probabilities pasted into the image at its box as torchvision does
 * ({@link pasteMask}), thresholded at 0.5 (torchvision's COCO evaluation), as compressed RLE.
 */
function masksAsRle(
  probabilities: Float32Array,
  boxes: Float32Array,
  height: number,
  width: number,
): { size: [number, number]; counts: string }[] {
  const area = MASK_SIZE * MASK_SIZE;
  return Array.from({ length: boxes.length / 4 }, (_, k) => {
    const pasted = pasteMask(
      probabilities.subarray(k * area, (k + 1) * area),
      MASK_SIZE,
      boxes.subarray(4 * k, 4 * k + 4),
      height,
      width,
    );
    const bits = new Uint8Array(height * width);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) bits[x * height + y] = pasted[y * width + x]! > 0.5 ? 1 : 0;
    return {
      size: [height, width] as [number, number],
      counts: encodeRleCounts(rleFromBitmap(bits, height, width).counts),
    };
  });
}

/** Detections as the standard COCO results list (`bbox` = `[x, y, w, h]`, RLE `segmentation`). */
export function toCocoResults(detections: readonly ImageDetections[]): CocoResult[] {
  return detections.flatMap((image) =>
    Array.from(image.scores, (score, k) => {
      const [x1, y1, x2, y2] = image.boxes.subarray(4 * k, 4 * k + 4);
      return {
        image_id: image.imageId,
        category_id: image.categoryIds[k]!,
        score,
        bbox: [x1!, y1!, x2! - x1!, y2! - y1!],
        ...(image.masks === undefined ? {} : { segmentation: image.masks[k]! }),
      };
    }),
  );
}
