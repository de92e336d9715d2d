/** Boxes as a flat `[x1, y1, x2, y2, …]` array (torchvision's xyxy), one box per 4 numbers. */
export type Boxes = Float32Array;

/** `box_iou(a, b)`: `[A][B]` IoU matrix, row-major, in float32 as torchvision computes it. */
export function boxIouMatrix(a: Boxes, b: Boxes): Float32Array {
  const n = a.length / 4;
  const m = b.length / 4;
  const out = new Float32Array(n * m);
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const areaA = f(f(a[4 * i + 2]! - a[4 * i]!) * f(a[4 * i + 3]! - a[4 * i + 1]!));
    for (let j = 0; j < m; j++) {
      const areaB = f(f(b[4 * j + 2]! - b[4 * j]!) * f(b[4 * j + 3]! - b[4 * j + 1]!));
      const w = Math.max(
        0,
        f(Math.min(a[4 * i + 2]!, b[4 * j + 2]!) - Math.max(a[4 * i]!, b[4 * j]!)),
      );
      const h = Math.max(
        0,
        f(Math.min(a[4 * i + 3]!, b[4 * j + 3]!) - Math.max(a[4 * i + 1]!, b[4 * j + 1]!)),
      );
      const inter = f(w * h);
      out[i * m + j] = f(inter / f(f(areaA + areaB) - inter));
    }
  }
  return out;
}

/** `clip_boxes_to_image`: x into [0, width], y into [0, height]. */
export function clipBoxesToImage(boxes: Boxes, height: number, width: number): Boxes {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = Math.min(Math.max(boxes[i]!, 0), width);
    out[i + 1] = Math.min(Math.max(boxes[i + 1]!, 0), height);
    out[i + 2] = Math.min(Math.max(boxes[i + 2]!, 0), width);
    out[i + 3] = Math.min(Math.max(boxes[i + 3]!, 0), height);
  }
  return out;
}

/** `remove_small_boxes`: indices of boxes at least `minSize` wide and high. */
export function removeSmallBoxes(boxes: Boxes, minSize: number): number[] {
  const keep: number[] = [];
  for (let i = 0; i < boxes.length / 4; i++) {
    const w = Math.fround(boxes[4 * i + 2]! - boxes[4 * i]!);
    const h = Math.fround(boxes[4 * i + 3]! - boxes[4 * i + 1]!);
    if (w >= minSize && h >= minSize) keep.push(i);
  }
  return keep;
}
