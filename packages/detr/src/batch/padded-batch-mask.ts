import { SsdetError, type BatchedView } from '@ssdet/core';

/** DETR's `NestedTensor` for one batched view, as the DETR-family methods build it. */
export interface PaddedBatchMask {
  /** Each image's own width and height (its view geometry), in batch order. */
  readonly sizes: { width: number; height: number }[];
  /** `[B·H·W]` 1 inside each image, 0 on the bottom/right padding. */
  readonly pixelMask: Float32Array;
  /** H: the batch's largest image height. */
  readonly height: number;
  /** W: the batch's largest image width. */
  readonly width: number;
}

/** Names the method in the one-line error a malformed batch raises. */
export interface BatchErrorSource {
  /** The `SsdetError` code, e.g. `DETREG_BATCH`. */
  readonly code: string;
  /** The method's display name, e.g. `DETReg`. */
  readonly method: string;
}

/**
 * DETR's `NestedTensor` (`util/misc.py`, `nested_tensor_from_tensor_list`) for a batched view
 * whose images sit in the top-left corner of their canvas: the images' own sizes, the batch's
 * largest height and width, and the `[B, H, W]` pixel mask (1 inside each image, 0 on the
 * bottom/right padding). Our mask is DETR's `~mask`: PyTorch marks the padding with `True`.
 *
 * Throws a one-line `SsdetError` with `source`'s code when an image is larger than the canvas the
 * collate step gave it (the view generator and the collate step disagree).
 */
export function paddedBatchMask(view: BatchedView, source: BatchErrorSource): PaddedBatchMask {
  const sizes = view.geometry.map((g) => ({ width: g.width, height: g.height }));
  const height = Math.max(...sizes.map((s) => s.height));
  const width = Math.max(...sizes.map((s) => s.width));
  const [, canvasHeight, canvasWidth] = view.images.shape;
  if (height > canvasHeight || width > canvasWidth) {
    throw new SsdetError(
      source.code,
      `${source.method}: an image of ${width} × ${height} does not fit its ${canvasWidth} × ${canvasHeight} canvas.`,
    );
  }
  const pixelMask = new Float32Array(sizes.length * height * width);
  sizes.forEach((size, b) => {
    for (let y = 0; y < size.height; y++) {
      pixelMask.fill(1, (b * height + y) * width, (b * height + y) * width + size.width);
    }
  });
  return { sizes, pixelMask, height, width };
}
