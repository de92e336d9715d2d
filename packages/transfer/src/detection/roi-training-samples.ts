import type { Rng } from '@ssdet/core';
import { sampleBalanced } from './balanced-sampler.js';
import { BoxCoder } from './box-coder.js';
import { boxIouMatrix, type Boxes } from './box-ops.js';
import { BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS, matchPredictions } from './matcher.js';
import { gatherRows } from './rpn-loss.js';

/** The box head's sampling settings (`fasterrcnn_resnet50_fpn`'s by default). */
export interface RoiSamplingOptions {
  readonly batchSizePerImage: number;
  readonly positiveFraction: number;
  readonly foregroundIou: number;
  readonly backgroundIou: number;
}

export const ROI_SAMPLING_DEFAULTS: RoiSamplingOptions = {
  batchSizePerImage: 512,
  positiveFraction: 0.25,
  foregroundIou: 0.5,
  backgroundIou: 0.5,
};

/** One image's sampled RoIs and what the box head should predict for them. */
export interface RoiTrainingSamples {
  /** `[S, 4]` sampled proposals (ground-truth boxes included). */
  readonly proposals: Float32Array;
  /** `[S]` class per RoI: 0 background, 1… the dataset's contiguous classes. */
  readonly labels: Int32Array;
  /** `[S]` the matched object's index (0 for background RoIs, as torchvision clamps). */
  readonly matchedObjects: Int32Array;
  /** `[S, 4]` box-coder (10, 10, 5, 5) targets against each RoI. */
  readonly regressionTargets: Float32Array;
}

/**
 * torchvision's `RoIHeads.select_training_samples` for one image: the ground-truth boxes join the
 * proposals, every proposal takes its best object (IoU ≥ 0.5 foreground, else background), and
 * 512 RoIs are drawn with at most 25% foreground; the kept RoIs stay in proposal order.
 */
export function selectRoiTrainingSamples(
  proposals: Boxes,
  objectBoxes: Boxes,
  objectLabels: Int32Array,
  rng: Rng,
  options: RoiSamplingOptions = ROI_SAMPLING_DEFAULTS,
  coder: BoxCoder = new BoxCoder([10, 10, 5, 5]),
): RoiTrainingSamples {
  const candidates = new Float32Array(proposals.length + objectBoxes.length);
  candidates.set(proposals);
  candidates.set(objectBoxes, proposals.length);
  const count = candidates.length / 4;
  const objects = objectBoxes.length / 4;
  const labels = new Int32Array(count);
  const matched = new Int32Array(count);
  if (objects > 0) {
    const matches = matchPredictions(
      boxIouMatrix(objectBoxes, candidates),
      objects,
      count,
      options.foregroundIou,
      options.backgroundIou,
      false,
    );
    for (let p = 0; p < count; p++) {
      const match = matches[p]!;
      matched[p] = Math.max(0, match);
      labels[p] =
        match === BELOW_LOW_THRESHOLD
          ? 0
          : match === BETWEEN_THRESHOLDS
            ? -1
            : objectLabels[match]!;
    }
  }
  const sample = sampleBalanced(labels, options.batchSizePerImage, options.positiveFraction, rng);
  const kept = Int32Array.from([...sample.positive, ...sample.negative]).sort();
  const keptProposals = gatherRows(candidates, kept);
  const matchedBoxes =
    objects > 0
      ? gatherRows(
          objectBoxes,
          Array.from(kept, (p) => matched[p]!),
        )
      : new Float32Array(kept.length * 4);
  return {
    proposals: keptProposals,
    labels: Int32Array.from(kept, (p) => labels[p]!),
    matchedObjects: Int32Array.from(kept, (p) => matched[p]!),
    regressionTargets: coder.encode(matchedBoxes, keptProposals),
  };
}
