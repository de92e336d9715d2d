/**
 * Output size `[height, width]` for resizing the shorter side to `size` while keeping the
 * longer side at most `maxSize` — DETR's `get_size_with_aspect_ratio` (datasets/transforms.py),
 * including its integer truncation, so multi-scale DETR batches have DETR's exact shapes.
 */
export function shorterSideSize(
  width: number,
  height: number,
  size: number,
  maxSize?: number,
): [number, number] {
  let target = size;
  if (maxSize !== undefined) {
    const minOriginal = Math.min(width, height);
    const maxOriginal = Math.max(width, height);
    if ((maxOriginal / minOriginal) * target > maxSize) {
      target = Math.round((maxSize * minOriginal) / maxOriginal);
    }
  }
  if ((width <= height && width === target) || (height <= width && height === target))
    return [height, width];
  if (width < height) return [Math.trunc((target * height) / width), target];
  return [target, Math.trunc((target * width) / height)];
}
