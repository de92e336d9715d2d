/** A ground-truth object of one image and category, ready for matching. */
export interface PreparedGroundTruth {
  readonly id: number;
  /** The annotation's `area` (what the area ranges test). */
  readonly area: number;
  /** `iscrowd`: matched detections are ignored, and it may be matched many times. */
  readonly crowd: boolean;
}

/** A detection of one image and category. */
export interface PreparedDetection {
  readonly id: number;
  readonly area: number;
  readonly score: number;
}

/** pycocotools' per-image evaluation record (`evalImgs` entry). */
export interface ImageEvaluation {
  /** `[T][D]` id of the matched ground truth, 0 when unmatched. */
  readonly dtMatches: readonly Float64Array[];
  readonly dtScores: Float64Array;
  /** `[G]` ground truths outside the area range or crowd, in the sorted order. */
  readonly gtIgnore: Uint8Array;
  /** `[T][D]` detections matched to an ignored ground truth, or unmatched and outside the range. */
  readonly dtIgnore: readonly Uint8Array[];
}

/** Indices of `values` sorted ascending, stable (numpy's `argsort(kind='mergesort')`). */
export function stableArgsort(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => values[a]! - values[b]! || a - b,
  );
}

/**
 * Greedy matching of one image and category at every IoU threshold, pycocotools'
 * `COCOeval.evaluateImg`: detections by descending score take the best-IoU ground truth not yet
 * taken (crowd regions may be taken again), preferring regular ground truths to ignored ones.
 *
 * `ious` is `[D][G]` (row-major) for the detections sorted by score and cut to the largest
 * maxDets, and the ground truths in their given order — COCOeval.computeIoU's layout.
 */
export function evaluateImage(
  groundTruths: readonly PreparedGroundTruth[],
  detectionsByScore: readonly PreparedDetection[],
  ious: Float64Array,
  areaRange: readonly [number, number],
  maxDet: number,
  iouThresholds: readonly number[],
): ImageEvaluation | undefined {
  if (groundTruths.length === 0 && detectionsByScore.length === 0) return undefined;
  const columns = groundTruths.length;
  const outside = (area: number) => area < areaRange[0] || area > areaRange[1];
  const ignoreFlags = groundTruths.map((g) => (g.crowd || outside(g.area) ? 1 : 0));
  const gtOrder = stableArgsort(ignoreFlags);
  const gt = gtOrder.map((i) => groundTruths[i]!);
  const gtIgnore = Uint8Array.from(gtOrder.map((i) => ignoreFlags[i]!));
  const dt = detectionsByScore.slice(0, maxDet);
  const T = iouThresholds.length;
  const D = dt.length;
  const G = gt.length;
  const gtMatches = Array.from({ length: T }, () => new Float64Array(G));
  const dtMatches = Array.from({ length: T }, () => new Float64Array(D));
  const dtIgnore = Array.from({ length: T }, () => new Uint8Array(D));
  if (D > 0 && G > 0) {
    iouThresholds.forEach((threshold, t) => {
      for (let d = 0; d < D; d++) {
        let best = Math.min(threshold, 1 - 1e-10);
        let match = -1;
        for (let g = 0; g < G; g++) {
          // Taken, and not a crowd region.
          if (gtMatches[t]![g]! > 0 && !gt[g]!.crowd) continue;
          // Already matched a regular ground truth, and the rest are ignored ones.
          if (match > -1 && gtIgnore[match] === 0 && gtIgnore[g] === 1) break;
          const iou = ious[d * columns + gtOrder[g]!]!;
          if (iou < best) continue;
          best = iou;
          match = g;
        }
        if (match === -1) continue;
        dtIgnore[t]![d] = gtIgnore[match]!;
        dtMatches[t]![d] = gt[match]!.id;
        gtMatches[t]![match] = dt[d]!.id;
      }
    });
  }
  // Unmatched detections outside the area range do not count against precision.
  for (let d = 0; d < D; d++) {
    if (!outside(dt[d]!.area)) continue;
    for (let t = 0; t < T; t++) if (dtMatches[t]![d] === 0) dtIgnore[t]![d] = 1;
  }
  return {
    dtMatches,
    dtScores: Float64Array.from(dt.map((d) => d.score)),
    gtIgnore,
    dtIgnore,
  };
}
