import { SsdetError, type BatchedView } from '@ssdet/core';
import {
  normalizedBoxTargets,
  paddedBatchMask as detrPaddedBatchMask,
  type PaddedBatchMask,
} from '@ssdet/detr';

/**
 * DETR's `NestedTensor` for the `image` views: each image's own size (its geometry), the batch's
 * largest height and width, and the `[B, H, W]` pixel mask (1 inside each image, 0 on the
 * bottom/right padding).
 */
export function paddedBatchMask(view: BatchedView): PaddedBatchMask {
  return detrPaddedBatchMask(view, { code: 'DETREG_BATCH', method: 'DETReg' });
}

/** One image's priors as DETR targets. */
export interface ImagePriors {
  /** `[T·4]` (cx, cy, w, h) divided by the image's width and height (DETR's `Normalize`). */
  readonly boxes: Float32Array;
  /** `[T]` each prior's crop slot. */
  readonly slots: Int32Array;
}

/**
 * The priors of each image from the collated `image` view: boxes (xyxy view pixels, padded with
 * id −1) as normalised cxcywh, with their crop slots (the box ids), in view order.
 */
export function imagePriors(
  view: BatchedView,
  sizes: readonly { width: number; height: number }[],
): ImagePriors[] {
  if (view.boxes === undefined || view.boxIds === undefined) {
    throw new SsdetError('DETREG_BATCH', 'DETReg: the image views carry no region priors.');
  }
  return normalizedBoxTargets(view.boxes, view.boxIds, sizes).map(({ boxes, ids }) => ({
    boxes,
    slots: ids,
  }));
}
