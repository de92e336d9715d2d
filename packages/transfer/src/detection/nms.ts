import type { Boxes } from './box-ops.js';

/**
 * Non-maximum suppression, torchvision's `nms`: boxes by descending score (equal scores keep
 * their order), each kept box suppressing the later ones whose IoU with it exceeds `threshold`.
 * Areas and IoUs in float32, as torchvision's CPU kernel. Returns kept indices, best first.
 */
export function nms(boxes: Boxes, scores: ArrayLike<number>, threshold: number): number[] {
  const f = Math.fround;
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const areas = new Float32Array(n);
  for (let i = 0; i < n; i++)
    areas[i] = f(f(boxes[4 * i + 2]! - boxes[4 * i]!) * f(boxes[4 * i + 3]! - boxes[4 * i + 1]!));
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n; a++) {
    const i = order[a]!;
    if (suppressed[i] === 1) continue;
    keep.push(i);
    const [x1, y1, x2, y2] = [
      boxes[4 * i]!,
      boxes[4 * i + 1]!,
      boxes[4 * i + 2]!,
      boxes[4 * i + 3]!,
    ];
    for (let b = a + 1; b < n; b++) {
      const j = order[b]!;
      if (suppressed[j] === 1) continue;
      const w = Math.max(0, f(Math.min(x2, boxes[4 * j + 2]!) - Math.max(x1, boxes[4 * j]!)));
      const h = Math.max(0, f(Math.min(y2, boxes[4 * j + 3]!) - Math.max(y1, boxes[4 * j + 1]!)));
      const inter = f(w * h);
      const iou = f(inter / f(f(areas[i]! + areas[j]!) - inter));
      if (iou > threshold) suppressed[j] = 1;
    }
  }
  return keep;
}

/**
 * NMS within each class, torchvision's `batched_nms`. Up to 4,000 box values (its CPU rule) it
 * uses the coordinate trick: every box is shifted by `class × (max coordinate + 1)` so that boxes
 * of different classes never overlap, then one `nms` runs over all of them (float32 shifts, as
 * torchvision's). Above that, `nms` per class, the kept boxes then ordered by descending score.
 */
export function batchedNms(
  boxes: Boxes,
  scores: ArrayLike<number>,
  classes: ArrayLike<number>,
  threshold: number,
): number[] {
  if (scores.length === 0) return [];
  if (boxes.length > 4000) return perClassNms(boxes, scores, classes, threshold);
  let max = -Infinity;
  for (const value of boxes) max = Math.max(max, value);
  const shifted = new Float32Array(boxes.length);
  for (let i = 0; i < scores.length; i++) {
    const offset = Math.fround(classes[i]! * Math.fround(max + 1));
    for (let c = 0; c < 4; c++) shifted[4 * i + c] = boxes[4 * i + c]! + offset;
  }
  return nms(shifted, scores, threshold);
}

function perClassNms(
  boxes: Boxes,
  scores: ArrayLike<number>,
  classes: ArrayLike<number>,
  threshold: number,
): number[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < scores.length; i++) {
    const list = byClass.get(classes[i]!) ?? [];
    list.push(i);
    byClass.set(classes[i]!, list);
  }
  const kept: number[] = [];
  for (const indices of byClass.values()) {
    const subset = new Float32Array(indices.length * 4);
    indices.forEach((index, k) => subset.set(boxes.subarray(4 * index, 4 * index + 4), 4 * k));
    for (const k of nms(
      subset,
      indices.map((index) => scores[index]!),
      threshold,
    ))
      kept.push(indices[k]!);
  }
  return kept.sort((a, b) => scores[b]! - scores[a]! || a - b);
}
