import type { LabelMask } from '@ssdet/core';

/**
 * Turns union-find roots into labels 0..n−1 numbered by first appearance in raster order —
 * what both scikit-image (roots are minimal pixel indices, then `np.unique`) and OpenCV
 * (`finalMapping`) produce.
 */
export function labelsFromRoots(
  roots: Int32Array,
  width: number,
  height: number,
): { mask: LabelMask; count: number } {
  const n = width * height;
  const mapped = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  let next = 0;
  for (let p = 0; p < n; p++) {
    const root = roots[p]!;
    let label = mapped[root]!;
    if (label < 0) {
      label = next++;
      mapped[root] = label;
    }
    labels[p] = label;
  }
  return { mask: { width, height, labels }, count: next };
}

/** Number of distinct labels of a mask whose labels are 0..n−1. */
export function countLabels(mask: LabelMask): number {
  let max = -1;
  for (let i = 0; i < mask.labels.length; i++) if (mask.labels[i]! > max) max = mask.labels[i]!;
  return max + 1;
}
