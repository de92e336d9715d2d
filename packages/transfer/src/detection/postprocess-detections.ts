import { BoxCoder } from './box-coder.js';
import { clipBoxesToImage, removeSmallBoxes, type Boxes } from './box-ops.js';
import { batchedNms } from './nms.js';

/** torchvision's `RoIHeads` test-time settings (`fasterrcnn_resnet50_fpn`'s by default). */
export interface DetectionOptions {
  readonly scoreThreshold: number;
  readonly nmsThreshold: number;
  readonly detectionsPerImage: number;
  readonly minSize: number;
}

export const DETECTION_DEFAULTS: DetectionOptions = {
  scoreThreshold: 0.05,
  nmsThreshold: 0.5,
  detectionsPerImage: 100,
  minSize: 1e-2,
};

/** One image's detections, best first. */
export interface Detections {
  /** `[D, 4]` xyxy in the network input's pixels. */
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  /** Contiguous classes `1 … K−1` (0 is background and never detected). */
  readonly labels: Int32Array;
  /** Mask R-CNN: `[D, 28, 28]` mask probabilities of each detection's class, in its box. */
  readonly masks?: Float32Array;
}

/**
 * torchvision's `RoIHeads.postprocess_detections` for one image: softmax over classes, each
 * foreground class's deltas decoded against the RoI and clipped to the image, candidates kept when
 * their score exceeds the threshold and the box is at least `minSize`, NMS per class, and the
 * best `detectionsPerImage`.
 *
 * @param classLogits `[R·K]` row-major.
 * @param boxDeltas `[R·4K]` row-major.
 * @param imageSize `[height, width]` of the image inside the padded input.
 */
export function postprocessDetections(
  classLogits: ArrayLike<number>,
  boxDeltas: ArrayLike<number>,
  proposals: Boxes,
  numClasses: number,
  imageSize: readonly [number, number],
  options: DetectionOptions = DETECTION_DEFAULTS,
  coder: BoxCoder = new BoxCoder([10, 10, 5, 5]),
): Detections {
  const roiCount = proposals.length / 4;
  const foreground = numClasses - 1;
  const candidateBoxes = new Float32Array(roiCount * foreground * 4);
  const candidateScores = new Float32Array(roiCount * foreground);
  const candidateLabels = new Int32Array(roiCount * foreground);
  const deltas = new Float32Array(4);
  for (let r = 0; r < roiCount; r++) {
    const proposal = proposals.subarray(4 * r, 4 * r + 4);
    const probabilities = softmaxRow(classLogits, r * numClasses, numClasses);
    for (let k = 1; k < numClasses; k++) {
      for (let c = 0; c < 4; c++) deltas[c] = boxDeltas[(r * numClasses + k) * 4 + c]!;
      const candidate = r * foreground + (k - 1);
      candidateBoxes.set(
        clipBoxesToImage(coder.decode(deltas, proposal), imageSize[0], imageSize[1]),
        4 * candidate,
      );
      candidateScores[candidate] = probabilities[k]!;
      candidateLabels[candidate] = k;
    }
  }
  const scoreThreshold = Math.fround(options.scoreThreshold);
  const confident = removeSmallBoxes(candidateBoxes, options.minSize).filter(
    (i) => candidateScores[i]! > scoreThreshold,
  );
  const keptBoxes = new Float32Array(confident.length * 4);
  confident.forEach((i, j) => keptBoxes.set(candidateBoxes.subarray(4 * i, 4 * i + 4), 4 * j));
  const order = batchedNms(
    keptBoxes,
    confident.map((i) => candidateScores[i]!),
    confident.map((i) => candidateLabels[i]!),
    options.nmsThreshold,
  ).slice(0, options.detectionsPerImage);
  const boxes = new Float32Array(order.length * 4);
  order.forEach((k, j) => boxes.set(keptBoxes.subarray(4 * k, 4 * k + 4), 4 * j));
  return {
    boxes,
    scores: Float32Array.from(order, (k) => candidateScores[confident[k]!]!),
    labels: Int32Array.from(order, (k) => candidateLabels[confident[k]!]!),
  };
}

/** float32 softmax of one row, as torch computes it (max-shifted). */
function softmaxRow(values: ArrayLike<number>, offset: number, length: number): Float32Array {
  let max = -Infinity;
  for (let k = 0; k < length; k++) max = Math.max(max, values[offset + k]!);
  const out = new Float32Array(length);
  let sum = 0;
  for (let k = 0; k < length; k++) {
    out[k] = Math.exp(values[offset + k]! - max);
    sum += out[k]!;
  }
  for (let k = 0; k < length; k++) out[k] = out[k]! / sum;
  return out;
}
