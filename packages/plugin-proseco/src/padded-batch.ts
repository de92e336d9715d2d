import { SsdetError, type BatchedView } from '@ssdet/core';
import {
  normalizedBoxTargets,
  paddedBatchMask as detrPaddedBatchMask,
  type PaddedBatchMask,
} from '@ssdet/detr';

/**
 * DETR's `NestedTensor` for a batched view whose images sit in the top-left corner of a canvas:
 * each image's own size (its geometry), the batch's largest height and width, and the `[B, H, W]`
 * pixel mask (1 inside each image, 0 on the bottom/right padding).
 */
export function paddedBatchMask(view: BatchedView): PaddedBatchMask {
  return detrPaddedBatchMask(view, { code: 'PROSECO_BATCH', method: 'ProSeCo' });
}

/**
 * The Selective Search boxes of each image from a collated view (xyxy view pixels, padded with
 * id −1) as DETR targets: `[T·4]` (cx, cy, w, h) divided by the image's width and height.
 */
export function normalizedPriors(
  view: BatchedView,
  sizes: readonly { width: number; height: number }[],
): Float32Array[] {
  if (view.boxes === undefined || view.boxIds === undefined) {
    throw new SsdetError(
      'PROSECO_BATCH',
      'ProSeCo: the student view carries no Selective Search boxes.',
    );
  }
  return normalizedBoxTargets(view.boxes, view.boxIds, sizes).map((image) => image.boxes);
}
