import { rleArea, rleToBox, type Rle } from '@ssdet/data';

/**
 * IoU of `[x, y, w, h]` boxes, pycocotools' `bbIou`: `o[d][g] = |d ∩ g| / |d ∪ g|`, or
 * `|d ∩ g| / |d|` when g is a crowd region (a detection inside a crowd counts as covered).
 * Returns a `detections × groundTruths` matrix, row-major.
 */
export function boxIou(
  detections: readonly (readonly number[])[],
  groundTruths: readonly (readonly number[])[],
  crowd: readonly boolean[],
): Float64Array {
  const m = detections.length;
  const n = groundTruths.length;
  const out = new Float64Array(m * n);
  for (let g = 0; g < n; g++) {
    const G = groundTruths[g]!;
    const gtArea = G[2]! * G[3]!;
    for (let d = 0; d < m; d++) {
      const D = detections[d]!;
      const dtArea = D[2]! * D[3]!;
      const w = Math.min(D[2]! + D[0]!, G[2]! + G[0]!) - Math.max(D[0]!, G[0]!);
      if (w <= 0) continue;
      const h = Math.min(D[3]! + D[1]!, G[3]! + G[1]!) - Math.max(D[1]!, G[1]!);
      if (h <= 0) continue;
      const intersection = w * h;
      out[d * n + g] = intersection / (crowd[g] === true ? dtArea : dtArea + gtArea - intersection);
    }
  }
  return out;
}

/**
 * IoU of masks, pycocotools' `rleIou`: boxes that do not overlap give 0; masks of different sizes
 * give −1; otherwise intersection over union (over the detection's area for a crowd region),
 * counted by walking both run lists.
 */
export function maskIou(
  detections: readonly Rle[],
  groundTruths: readonly Rle[],
  crowd: readonly boolean[],
): Float64Array {
  const out = boxIou(detections.map(rleToBox), groundTruths.map(rleToBox), crowd);
  const m = detections.length;
  const n = groundTruths.length;
  for (let g = 0; g < n; g++) {
    for (let d = 0; d < m; d++) {
      if (!(out[d * n + g]! > 0)) continue;
      const dt = detections[d]!;
      const gt = groundTruths[g]!;
      if (dt.height !== gt.height || dt.width !== gt.width) {
        out[d * n + g] = -1;
        continue;
      }
      const { intersection, union } = overlap(dt, gt);
      const denominator = intersection === 0 ? 1 : crowd[g] === true ? rleArea(dt) : union;
      out[d * n + g] = intersection / denominator;
    }
  }
  return out;
}

/** Pixels in both masks and in either, from their runs. */
function overlap(a: Rle, b: Rle): { intersection: number; union: number } {
  let ca = a.counts[0] ?? 0;
  let cb = b.counts[0] ?? 0;
  let ia = 1;
  let ib = 1;
  let va = false;
  let vb = false;
  let intersection = 0;
  let union = 0;
  let remaining = 1;
  while (remaining > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      union += c;
      if (va && vb) intersection += c;
    }
    remaining = 0;
    ca -= c;
    if (ca === 0 && ia < a.counts.length) {
      ca = a.counts[ia++]!;
      va = !va;
    }
    remaining += ca;
    cb -= c;
    if (cb === 0 && ib < b.counts.length) {
      cb = b.counts[ib++]!;
      vb = !vb;
    }
    remaining += cb;
  }
  return { intersection, union };
}
