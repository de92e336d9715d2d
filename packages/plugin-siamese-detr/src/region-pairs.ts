import type { Box } from '@ssdet/data';
import { boxInView } from './two-view-crop.js';

/** Where the two views lie in the image they were cut from, and their common output size. */
export interface TwoViewFrame {
  /** View A `[l, t, r, b]` in the image's pixels (after resize and flip). */
  readonly viewA: Box;
  /** View B. */
  readonly viewB: Box;
  /** Their intersection in the image's pixels. */
  readonly intersection: Box;
  /** Both views are resized to the outer crop's `width × height`. */
  readonly width: number;
  readonly height: number;
}

export interface RegionPairOptions {
  /** M: the intersection box + M − 1 proposals (`anchor_num = num_patches = 10`). */
  readonly numPatches: number;
  /** A proposal is kept when its area in view A ≥ this × the intersection's (0.05). */
  readonly areaMinRatio: number;
  /** Padding copies move each edge by (σ(n) · 2 − 1) × this × the box's w or h, n ~ N(0, 1) (0.1). */
  readonly padJitter: number;
}

/** The M region boxes of one sample, pair k in view A and in view B. */
export interface RegionPairs {
  /** `[M·4]` xyxy in view A's pixels; pair 0 is the views' intersection. */
  readonly boxesA: Float64Array;
  /** `[M·4]` the same regions in view B's pixels. */
  readonly boxesB: Float64Array;
  /** Proposals that survived (before padding, at most M − 1 used). */
  readonly kept: number;
  /** Jittered copies added to reach M − 1 proposals. */
  readonly padded: number;
}

/**
 * Siamese DETR's per-sample region boxes (`SiameseDETRDataset.clip_and_remove_out_box`,
 * `pick_boxes` and `pad_jitter_box` in Zx55/SiameseDETR `datasets/siamese_detr.py`), in
 * proposal order (EdgeBoxes' score order):
 *
 * 1. clamp each proposal to the intersection I (x₀ ≥ I.x₀, y₀ ≥ I.y₀, x₁ ≤ I.x₁ − 1, y₁ ≤ I.y₁ − 1);
 * 2. map it into view A (`(x − l_A)·W/w_A`, …);
 * 3. keep it when its area ≥ areaMinRatio·|I_A| (I in view A), x₀, y₀ ≥ 0 and x₁ ≥ x₀, y₁ ≥ y₀;
 * 4. map it into view B through the image (`anchor_mapping_np`), dropping it when it leaves B
 *    (x₀ < 0, y₀ < 0, x₁ ≥ W or y₁ ≥ H);
 * 5. take the first M − 1; with fewer, pad by cycling through them, each copy jittered by
 *    (σ(n)·2 − 1)·padJitter·[w, h, w, h], clamped to [I_A.x₀, I_A.x₁ − 1] × [I_A.y₀, I_A.y₁ − 1]
 *    and mapped into B without the bounds check (as officially);
 * 6. prepend I itself (I_A, I_B).
 *
 * Returns undefined when no proposal survives (the official dataset then takes another image).
 *
 * @param proposals `[N·4]` xyxy in the image's pixels (after resize and flip), best first.
 * @param normal N(0, 1) draws for the padding jitter (`torch.randn(n, 4)`, row-major).
 */
export function selectRegionPairs(
  proposals: ArrayLike<number>,
  frame: TwoViewFrame,
  options: RegionPairOptions,
  normal: () => number,
): RegionPairs | undefined {
  const { viewA, viewB, intersection, width, height } = frame;
  const interA = boxInView(intersection, viewA, width, height);
  const interB = boxInView(intersection, viewB, width, height);
  const minArea = options.areaMinRatio * (interA[3] - interA[1]) * (interA[2] - interA[0]);
  const sxA = width / (viewA[2] - viewA[0]);
  const syA = height / (viewA[3] - viewA[1]);

  const keptA: Box[] = [];
  const keptB: Box[] = [];
  const count = Math.floor(proposals.length / 4);
  for (let i = 0; i < count; i++) {
    const x0 = (Math.max(proposals[i * 4]!, intersection[0]) - viewA[0]) * sxA;
    const y0 = (Math.max(proposals[i * 4 + 1]!, intersection[1]) - viewA[1]) * syA;
    const x1 = (Math.min(proposals[i * 4 + 2]!, intersection[2] - 1) - viewA[0]) * sxA;
    const y1 = (Math.min(proposals[i * 4 + 3]!, intersection[3] - 1) - viewA[1]) * syA;
    const inside = x0 >= 0 && y0 >= 0 && x1 >= 0 && y1 >= 0 && x1 >= x0 && y1 >= y0;
    if (!inside || (x1 - x0) * (y1 - y0) < minArea) continue;
    const inB = mapAcrossViews([x0, y0, x1, y1], frame);
    if (inB[0] < 0 || inB[1] < 0 || inB[2] >= width || inB[3] >= height) continue;
    keptA.push([x0, y0, x1, y1]);
    keptB.push(inB);
  }
  if (keptA.length === 0) return undefined;

  const wanted = options.numPatches - 1;
  const kept = keptA.length;
  let padded = 0;
  if (kept < wanted) {
    padded = wanted - kept;
    for (let p = 0; p < padded; p++) {
      const [x0, y0, x1, y1] = keptA[p % kept]!;
      const w = x1 - x0;
      const h = y1 - y0;
      const jitter = [w, h, w, h].map(
        (size) => size * (sigmoid(normal()) * 2 * options.padJitter - options.padJitter),
      );
      const clampX = (v: number) => Math.min(Math.max(v, interA[0]), interA[2] - 1);
      const clampY = (v: number) => Math.min(Math.max(v, interA[1]), interA[3] - 1);
      const box: Box = [
        clampX(x0 + jitter[0]!),
        clampY(y0 + jitter[1]!),
        clampX(x1 + jitter[2]!),
        clampY(y1 + jitter[3]!),
      ];
      keptA.push(box);
      keptB.push(mapAcrossViews(box, frame));
    }
  }
  const pairsA = [interA, ...keptA.slice(0, wanted)].slice(0, options.numPatches);
  const pairsB = [interB, ...keptB.slice(0, wanted)].slice(0, options.numPatches);
  return {
    boxesA: Float64Array.from(pairsA.flat()),
    boxesB: Float64Array.from(pairsB.flat()),
    kept,
    padded,
  };
}

/**
 * A box of view A in view B's pixels (`anchor_mapping_np`: A → image → B); the official code
 * marks boxes that leave B with −1 and its callers drop them.
 */
export function mapAcrossViews(box: Box, frame: TwoViewFrame): Box {
  const { viewA, viewB, width, height } = frame;
  const toImageX = (x: number) => ((viewA[2] - viewA[0]) * x) / width + viewA[0];
  const toImageY = (y: number) => ((viewA[3] - viewA[1]) * y) / height + viewA[1];
  const toBX = (x: number) => ((x - viewB[0]) * width) / (viewB[2] - viewB[0]);
  const toBY = (y: number) => ((y - viewB[1]) * height) / (viewB[3] - viewB[1]);
  return [
    toBX(toImageX(box[0])),
    toBY(toImageY(box[1])),
    toBX(toImageX(box[2])),
    toBY(toImageY(box[3])),
  ];
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
