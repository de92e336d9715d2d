import type { ViewGeometry } from '@ssdet/core';
import { mapBox, type Box } from './view-geometry.js';

/**
 * Source-image boxes in a view's pixels as DETR's `crop` transform leaves them: each box mapped
 * through the geometry, clipped to the view (`min(max_size).clamp(0)`), and dropped when its
 * width or height is zero (`keep = x1 > x0 ∧ y1 > y0`). Returns the kept boxes (xyxy, flat) with
 * their indices in `boxes`, in order — the ids that pair a box across views.
 */
export function visibleBoxes(
  geometry: ViewGeometry,
  boxes: readonly Box[],
): { boxes: Float32Array; ids: Int32Array } {
  const kept: number[] = [];
  const ids: number[] = [];
  boxes.forEach((box, k) => {
    const [x0, y0, x1, y1] = mapBox(geometry, box);
    const clipped = [
      Math.min(Math.max(x0, 0), geometry.width),
      Math.min(Math.max(y0, 0), geometry.height),
      Math.min(Math.max(x1, 0), geometry.width),
      Math.min(Math.max(y1, 0), geometry.height),
    ] as const;
    if (clipped[2] > clipped[0] && clipped[3] > clipped[1]) {
      kept.push(...clipped);
      ids.push(k);
    }
  });
  return { boxes: Float32Array.from(kept), ids: Int32Array.from(ids) };
}
