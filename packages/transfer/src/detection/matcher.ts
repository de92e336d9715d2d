/** Below the low threshold: background. */
export const BELOW_LOW_THRESHOLD = -1;
/** Between the thresholds: ignored in the loss. */
export const BETWEEN_THRESHOLDS = -2;

/**
 * torchvision's `Matcher`: each prediction (anchor, proposal) takes the ground truth of highest
 * IoU; −1 below `low`, −2 in [low, high). With `allowLowQualityMatches` (the RPN's), every
 * prediction that ties for a ground truth's best IoU keeps its match whatever the thresholds
 * (Faster R-CNN §3.1.2), so every ground truth has at least one anchor.
 *
 * `quality` is `[G][P]` row-major (`box_iou(gt, predictions)`). Returns `[P]` matched indices.
 */
export function matchPredictions(
  quality: ArrayLike<number>,
  groundTruths: number,
  predictions: number,
  high: number,
  low: number,
  allowLowQualityMatches: boolean,
): Int32Array {
  const matches = new Int32Array(predictions);
  const best = new Float64Array(predictions).fill(-Infinity);
  for (let p = 0; p < predictions; p++) {
    for (let g = 0; g < groundTruths; g++) {
      const value = quality[g * predictions + p]!;
      // The first maximum, as torch.max on CPU returns it.
      if (value > best[p]!) {
        best[p] = value;
        matches[p] = g;
      }
    }
  }
  const allMatches = Int32Array.from(matches);
  // torch compares a float32 tensor with the thresholds cast to float32.
  const [low32, high32] = [Math.fround(low), Math.fround(high)];
  for (let p = 0; p < predictions; p++) {
    if (best[p]! < low32) matches[p] = BELOW_LOW_THRESHOLD;
    else if (best[p]! < high32) matches[p] = BETWEEN_THRESHOLDS;
  }
  if (allowLowQualityMatches) {
    for (let g = 0; g < groundTruths; g++) {
      let highest = -Infinity;
      for (let p = 0; p < predictions; p++)
        highest = Math.max(highest, quality[g * predictions + p]!);
      for (let p = 0; p < predictions; p++)
        if (quality[g * predictions + p] === highest) matches[p] = allMatches[p]!;
    }
  }
  return matches;
}
