import { SsdetError } from '@ssdet/core';
import type { Box } from '@ssdet/data';

/** Two views inside an outer box and the part they share, all in the outer box's frame. */
export interface TwoViewBoxes {
  /** View A `[x0, y0, x1, y1]` (fractional). */
  readonly viewA: Box;
  /** View B. */
  readonly viewB: Box;
  /** Their intersection: a box of the outer box's aspect ratio, centred in it. */
  readonly intersection: Box;
}

/**
 * Siamese DETR's two views inside the outer random-resized crop (`TwoViewRandomResizedCrop` →
 * `gen_two_boxes_in_outerbox_with_iou` in Zx55/SiameseDETR `datasets/pipelines/helper.py`).
 *
 * The intersection I is centred in the outer box O (w × h, aspect a = w/h) with O's aspect; view A
 * runs from O's top-left corner to I's bottom-right, view B from I's top-left to O's bottom-right.
 * I's height solves IoU(A, B) = iou: with u = i_h, |A ∩ B| = a·u², |A| = |B| = (w + a·u)(h + u)/4,
 *   a·u² / (2·(w + a·u)(h + u)/4 − a·u²) = iou  ⇔  (a·iou + 2a)·u² − iou·(a·h + w)·u − iou·w·h = 0,
 * its positive root. With `stochastic`, each view's outer corner then moves inwards along the
 * diagonal by δ_y ~ U(0, min(room_x/a, room_y)), δ_x = a·δ_y — the union shrinks, so the IoU only
 * grows. Finally the two views swap with probability ½ (`random.random() > 0.5`).
 *
 * @param uniform the random stream: called for A's shrink, B's shrink (only when `stochastic`),
 *   then the swap, each a U[0, 1) draw like Python's `random.random()`.
 */
export function twoViewsInOuterBox(
  outer: Box,
  iou: number,
  stochastic: boolean,
  uniform: () => number,
): TwoViewBoxes {
  if (!(iou >= 0 && iou <= 1)) {
    throw new SsdetError('SIAMESE_DETR_VIEW_IOU', `image.viewIou must be in [0, 1]; got ${iou}.`);
  }
  const [ox0, oy0, ox1, oy1] = outer;
  const width = ox1 - ox0;
  const height = oy1 - oy0;
  const aspect = width / height;
  const a = aspect * iou + 2 * aspect;
  const b = -(aspect * height + width) * iou;
  const c = -(height * width * iou);
  const interHeight = (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
  const interWidth = aspect * interHeight;
  const cx = (ox0 + ox1) / 2;
  const cy = (oy0 + oy1) / 2;
  const interTopLeft = [cx - interWidth / 2, cy - interHeight / 2] as const;
  const interBottomRight = [cx + interWidth / 2, cy + interHeight / 2] as const;
  const first: [number, number, number, number] = [
    ox0,
    oy0,
    interBottomRight[0],
    interBottomRight[1],
  ];
  const second: [number, number, number, number] = [interTopLeft[0], interTopLeft[1], ox1, oy1];
  if (stochastic) {
    // random.uniform(0, m) = m · random.random().
    const shrinkFirst =
      Math.min((interTopLeft[0] - ox0) / aspect, interTopLeft[1] - oy0) * uniform();
    first[0] += aspect * shrinkFirst;
    first[1] += shrinkFirst;
    const shrinkSecond =
      Math.min((ox1 - interBottomRight[0]) / aspect, oy1 - interBottomRight[1]) * uniform();
    second[2] -= aspect * shrinkSecond;
    second[3] -= shrinkSecond;
  }
  const swap = uniform() > 0.5;
  const intersection: Box = [...interTopLeft, ...interBottomRight];
  const [viewA, viewB] = (swap ? [second, first] : [first, second]) as unknown as [Box, Box];
  return { viewA, viewB, intersection };
}

/**
 * A box of the outer frame in a view's pixels: the view `[l, t, r, b]` of that frame is resized
 * to `width × height` (`intersection_in_view1 = ((x − l)·w/w₁, …)`).
 */
export function boxInView(box: Box, view: Box, width: number, height: number): Box {
  const sx = width / (view[2] - view[0]);
  const sy = height / (view[3] - view[1]);
  return [
    (box[0] - view[0]) * sx,
    (box[1] - view[1]) * sy,
    (box[2] - view[0]) * sx,
    (box[3] - view[1]) * sy,
  ];
}
