import { SsdetError, type BatchedView } from '@ssdet/core';

/**
 * DETR's `NestedTensor` for the `image` views: each image's own size (its geometry), the batch's
 * largest height and width, and the `[B, H, W]` pixel mask (1 inside each image, 0 on the
 * bottom/right padding).
 */
export function paddedBatchMask(view: BatchedView): {
  sizes: { width: number; height: number }[];
  pixelMask: Float32Array;
  height: number;
  width: number;
} {
  const sizes = view.geometry.map((g) => ({ width: g.width, height: g.height }));
  const height = Math.max(...sizes.map((s) => s.height));
  const width = Math.max(...sizes.map((s) => s.width));
  const [, canvasHeight, canvasWidth] = view.images.shape;
  if (height > canvasHeight || width > canvasWidth) {
    throw new SsdetError(
      'DETREG_BATCH',
      `DETReg: an image of ${width} × ${height} does not fit its ${canvasWidth} × ${canvasHeight} canvas.`,
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

/** One image's priors as DETR targets. */
export interface ImagePriors {
  /** `[T·4]` (cx, cy, w, h) divided by the image's width and height (DETR's `Normalize`). */
  readonly boxes: Float32Array;
  /** `[T]` each prior's crop slot. */
  readonly slots: Int32Array;
}

/**
 * The priors of each image from the collated `image` view: boxes (xyxy view pixels, padded with
 * id −1) as normalised cxcywh, with their crop slots, in view order.
 */
export function imagePriors(
  view: BatchedView,
  sizes: readonly { width: number; height: number }[],
): ImagePriors[] {
  if (view.boxes === undefined || view.boxIds === undefined) {
    throw new SsdetError('DETREG_BATCH', 'DETReg: the image views carry no region priors.');
  }
  const boxes = view.boxes.dataSync();
  const ids = view.boxIds.dataSync();
  const perImage = view.boxes.shape[1];
  return sizes.map(({ width, height }, b) => {
    const out: number[] = [];
    const slots: number[] = [];
    for (let k = 0; k < perImage; k++) {
      const id = ids[b * perImage + k]!;
      if (id < 0) continue;
      const at = (b * perImage + k) * 4;
      const [x0, y0, x1, y1] = [boxes[at]!, boxes[at + 1]!, boxes[at + 2]!, boxes[at + 3]!];
      out.push(
        (x0 + x1) / 2 / width,
        (y0 + y1) / 2 / height,
        (x1 - x0) / width,
        (y1 - y0) / height,
      );
      slots.push(id);
    }
    return { boxes: Float32Array.from(out), slots: Int32Array.from(slots) };
  });
}
