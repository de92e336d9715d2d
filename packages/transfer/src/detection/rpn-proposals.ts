import { BoxCoder } from './box-coder.js';
import { clipBoxesToImage, removeSmallBoxes, type Boxes } from './box-ops.js';
import { batchedNms } from './nms.js';

/** torchvision's RPN proposal settings (`fasterrcnn_resnet50_fpn`'s test-time values by default). */
export interface ProposalOptions {
  /** Best anchors kept per level before NMS (test 1000, train 2000). */
  readonly preNmsTopN: number;
  /** Proposals kept per image after NMS (test 1000, train 2000). */
  readonly postNmsTopN: number;
  readonly nmsThreshold: number;
  readonly scoreThreshold: number;
  readonly minSize: number;
}

export const RPN_TEST_PROPOSALS: ProposalOptions = {
  preNmsTopN: 1000,
  postNmsTopN: 1000,
  nmsThreshold: 0.7,
  scoreThreshold: 0,
  minSize: 1e-3,
};

/**
 * One image's proposals from the RPN's outputs, torchvision's `RegionProposalNetwork.filter_proposals`:
 * decode every anchor's deltas, keep each level's `preNmsTopN` best logits, clip to the image,
 * drop boxes under `minSize` and scores under the threshold (after a sigmoid), NMS within each
 * level, and keep the `postNmsTopN` best. Inputs are in anchor order (level, y, x, anchor), which
 * is the NHWC order of the head's outputs.
 */
export function rpnProposals(
  logits: ArrayLike<number>,
  deltas: ArrayLike<number>,
  anchors: Boxes,
  anchorsPerLevel: readonly number[],
  imageSize: readonly [number, number],
  options: ProposalOptions = RPN_TEST_PROPOSALS,
  coder: BoxCoder = new BoxCoder([1, 1, 1, 1]),
): { boxes: Float32Array; scores: Float32Array } {
  const candidates: number[] = [];
  const levelOf: number[] = [];
  let offset = 0;
  anchorsPerLevel.forEach((count, level) => {
    const order = Array.from({ length: count }, (_, i) => offset + i).sort(
      (a, b) => logits[b]! - logits[a]! || a - b,
    );
    for (const index of order.slice(0, Math.min(options.preNmsTopN, count))) {
      candidates.push(index);
      levelOf.push(level);
    }
    offset += count;
  });
  const chosenDeltas = new Float32Array(candidates.length * 4);
  const chosenAnchors = new Float32Array(candidates.length * 4);
  candidates.forEach((index, k) => {
    for (let c = 0; c < 4; c++) {
      chosenDeltas[4 * k + c] = deltas[4 * index + c]!;
      chosenAnchors[4 * k + c] = anchors[4 * index + c]!;
    }
  });
  const decoded = clipBoxesToImage(
    coder.decode(chosenDeltas, chosenAnchors),
    imageSize[0],
    imageSize[1],
  );
  const scores = candidates.map((index) => Math.fround(1 / (1 + Math.exp(-logits[index]!))));
  const kept = removeSmallBoxes(decoded, options.minSize).filter(
    (k) => scores[k]! >= options.scoreThreshold,
  );
  const keptBoxes = new Float32Array(kept.length * 4);
  kept.forEach((k, i) => keptBoxes.set(decoded.subarray(4 * k, 4 * k + 4), 4 * i));
  const final = batchedNms(
    keptBoxes,
    kept.map((k) => scores[k]!),
    kept.map((k) => levelOf[k]!),
    options.nmsThreshold,
  ).slice(0, options.postNmsTopN);
  const boxes = new Float32Array(final.length * 4);
  final.forEach((i, j) => boxes.set(keptBoxes.subarray(4 * i, 4 * i + 4), 4 * j));
  return { boxes, scores: Float32Array.from(final.map((i) => scores[kept[i]!]!)) };
}
