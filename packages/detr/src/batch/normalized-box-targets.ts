import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';

/** One image's boxes as DETR targets. */
export interface NormalizedBoxTargets {
  /** `[T·4]` (cx, cy, w, h) divided by the image's width and height. */
  readonly boxes: Float32Array;
  /** `[T]` each box's region id (a method's crop slot, patch index, …), in the same order. */
  readonly ids: Int32Array;
}

/**
 * The boxes of each image of a collated view as DETR's targets: the xyxy view-pixel boxes whose
 * id is not the −1 padding, converted to (cx, cy, w, h) and divided by the image's own width and
 * height (DETR's `Normalize` transform after the resize), in the view's box order.
 *
 * @param boxes `[B, K, 4]` xyxy pixel boxes (`BatchedView.boxes`)
 * @param boxIds `[B, K]` region ids, −1 marking padding (`BatchedView.boxIds`)
 * @param sizes each image's width and height (e.g. {@link paddedBatchMask}'s `sizes`)
 */
export function normalizedBoxTargets(
  boxes: Tensor3D,
  boxIds: Tensor2D,
  sizes: readonly { width: number; height: number }[],
): NormalizedBoxTargets[] {
  const values = boxes.dataSync();
  const ids = boxIds.dataSync();
  const perImage = boxes.shape[1];
  return sizes.map(({ width, height }, b) => {
    const out: number[] = [];
    const kept: number[] = [];
    for (let k = 0; k < perImage; k++) {
      const id = ids[b * perImage + k]!;
      if (id < 0) continue;
      const at = (b * perImage + k) * 4;
      const [x0, y0, x1, y1] = [values[at]!, values[at + 1]!, values[at + 2]!, values[at + 3]!];
      out.push(
        (x0 + x1) / 2 / width,
        (y0 + y1) / 2 / height,
        (x1 - x0) / width,
        (y1 - y0) / height,
      );
      kept.push(id);
    }
    return { boxes: Float32Array.from(out), ids: Int32Array.from(kept) };
  });
}
