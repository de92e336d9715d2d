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

/** Every candidate RoI of one image (proposals, then the ground-truth boxes) and its target. */
export interface LabeledRois {
  /** `[P + G, 4]`: the proposals followed by the ground-truth boxes, as torchvision appends them. */
  readonly candidates: Float32Array;
  /** `[P + G]` class per candidate: 0 background, −1 ignored (between the IoU thresholds). */
  readonly labels: Int32Array;
  /** `[P + G]` the best object's index, clamped to 0 for background as torchvision does. */
  readonly matchedObjects: Int32Array;
}

/**
 * torchvision's `RoIHeads.add_gt_proposals` + `assign_targets_to_proposals` for one image: the
 * ground-truth boxes join the proposals and every candidate takes its best object (IoU ≥ 0.5
 * foreground with the object's class, else background).
 */
export function labelRois(
  proposals: Boxes,
  objectBoxes: Boxes,
  objectLabels: Int32Array,
  options: RoiSamplingOptions = ROI_SAMPLING_DEFAULTS,
): LabeledRois {
  const candidates = new Float32Array(proposals.length + objectBoxes.length);
  candidates.set(proposals);
  candidates.set(objectBoxes, proposals.length);
  const count = candidates.length / 4;
  const objects = objectBoxes.length / 4;
  const labels = new Int32Array(count);
  const matchedObjects = new Int32Array(count);
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
      matchedObjects[p] = Math.max(0, match);
      labels[p] =
        match === BELOW_LOW_THRESHOLD
          ? 0
          : match === BETWEEN_THRESHOLDS
            ? -1
            : objectLabels[match]!;
    }
  }
  return { candidates, labels, matchedObjects };
}

/**
 * The training targets of the candidates `kept` (ascending indices into `rois`): their boxes,
 * classes, matched objects, and box-coder (10, 10, 5, 5) regression targets.
 */
export function roiTargets(
  rois: LabeledRois,
  kept: Int32Array,
  objectBoxes: Boxes,
  coder: BoxCoder = new BoxCoder([10, 10, 5, 5]),
): RoiTrainingSamples {
  const proposals = gatherRows(rois.candidates, kept);
  const matchedObjects = Int32Array.from(kept, (p) => rois.matchedObjects[p]!);
  const matchedBoxes =
    objectBoxes.length > 0
      ? gatherRows(objectBoxes, matchedObjects)
      : new Float32Array(kept.length * 4);
  return {
    proposals,
    labels: Int32Array.from(kept, (p) => rois.labels[p]!),
    matchedObjects,
    regressionTargets: coder.encode(matchedBoxes, proposals),
  };
}

/**
 * torchvision's `RoIHeads.select_training_samples` for one image: {@link labelRois}, then
 * `batchSizePerImage` RoIs drawn with at most `positiveFraction` foreground, kept in candidate
 * order, and their {@link roiTargets}.
 */
export function selectRoiTrainingSamples(
  proposals: Boxes,
  objectBoxes: Boxes,
  objectLabels: Int32Array,
  rng: Rng,
  options: RoiSamplingOptions = ROI_SAMPLING_DEFAULTS,
  coder: BoxCoder = new BoxCoder([10, 10, 5, 5]),
): RoiTrainingSamples {
  const rois = labelRois(proposals, objectBoxes, objectLabels, options);
  const sample = sampleBalanced(
    rois.labels,
    options.batchSizePerImage,
    options.positiveFraction,
    rng,
  );
  const kept = Int32Array.from([...sample.positive, ...sample.negative]).sort();
  return roiTargets(rois, kept, objectBoxes, coder);
}
