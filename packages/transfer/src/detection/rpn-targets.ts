import { BoxCoder } from './box-coder.js';
import { boxIouMatrix, type Boxes } from './box-ops.js';
import { BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS, matchPredictions } from './matcher.js';

/** One image's RPN training targets, per anchor. */
export interface AnchorTargets {
  /** 1 foreground, 0 background, −1 ignored (IoU between the thresholds). */
  readonly labels: Float32Array;
  /** The matched ground truth's index, or −1 / −2 below / between the thresholds. */
  readonly matches: Int32Array;
  /** `[A, 4]` box-coder targets of the matched ground truth (ground truth 0 for unmatched). */
  readonly regressionTargets: Float32Array;
}

/**
 * torchvision's `RegionProposalNetwork.assign_targets_to_anchors` + `box_coder.encode` for one
 * image: each anchor takes its best ground truth (Matcher 0.7 / 0.3 with low-quality matches kept,
 * so every object has an anchor). An image without objects makes every anchor background.
 */
export function assignAnchorTargets(
  anchors: Boxes,
  groundTruth: Boxes,
  coder: BoxCoder = new BoxCoder([1, 1, 1, 1]),
  thresholds: { readonly high: number; readonly low: number } = { high: 0.7, low: 0.3 },
): AnchorTargets {
  const anchorCount = anchors.length / 4;
  const objectCount = groundTruth.length / 4;
  if (objectCount === 0) {
    return {
      labels: new Float32Array(anchorCount),
      matches: new Int32Array(anchorCount).fill(BELOW_LOW_THRESHOLD),
      regressionTargets: coder.encode(new Float32Array(anchors.length), anchors),
    };
  }
  const matches = matchPredictions(
    boxIouMatrix(groundTruth, anchors),
    objectCount,
    anchorCount,
    thresholds.high,
    thresholds.low,
    true,
  );
  const labels = new Float32Array(anchorCount);
  const matchedBoxes = new Float32Array(anchors.length);
  for (let a = 0; a < anchorCount; a++) {
    const match = matches[a]!;
    labels[a] = match >= 0 ? 1 : match === BETWEEN_THRESHOLDS ? -1 : 0;
    // torchvision clamps unmatched anchors to ground truth 0; their targets are never used.
    matchedBoxes.set(
      groundTruth.subarray(4 * Math.max(0, match), 4 * Math.max(0, match) + 4),
      4 * a,
    );
  }
  return { labels, matches, regressionTargets: coder.encode(matchedBoxes, anchors) };
}
