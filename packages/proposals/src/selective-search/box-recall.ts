/** IoU of two xyxy boxes. */
export function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const x0 = Math.max(a[i * 4]!, b[j * 4]!);
  const y0 = Math.max(a[i * 4 + 1]!, b[j * 4 + 1]!);
  const x1 = Math.min(a[i * 4 + 2]!, b[j * 4 + 2]!);
  const y1 = Math.min(a[i * 4 + 3]!, b[j * 4 + 3]!);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const areaA = (a[i * 4 + 2]! - a[i * 4]!) * (a[i * 4 + 3]! - a[i * 4 + 1]!);
  const areaB = (b[j * 4 + 2]! - b[j * 4]!) * (b[j * 4 + 3]! - b[j * 4 + 1]!);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/** Fraction of `targets` boxes that some box of `found` covers with IoU ≥ `threshold`. */
export function boxRecall(
  targets: ArrayLike<number>,
  found: ArrayLike<number>,
  threshold: number,
): number {
  const n = targets.length / 4;
  const m = found.length / 4;
  if (n === 0) return 1;
  let hit = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (iou(targets, i, found, j) >= threshold) {
        hit++;
        break;
      }
    }
  }
  return hit / n;
}
