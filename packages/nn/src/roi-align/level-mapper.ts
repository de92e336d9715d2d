import { SsdetError } from '@ssdet/core';

/** `[x1, y1, x2, y2]` rows: nested arrays or a flat array of 4 numbers per box. */
export type BoxRows = readonly (readonly number[])[] | Float32Array;

function boxAt(boxes: BoxRows, i: number): [number, number, number, number] {
  if (boxes instanceof Float32Array) {
    return [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!];
  }
  const row = boxes[i]!;
  if (row.length !== 4)
    throw new SsdetError(
      'ROI_BOXES_INVALID',
      `Box ${i} has ${row.length} numbers; expected 4 (x1, y1, x2, y2).`,
    );
  return [row[0]!, row[1]!, row[2]!, row[3]!];
}

function boxCount(boxes: BoxRows): number {
  return boxes instanceof Float32Array ? boxes.length / 4 : boxes.length;
}

export interface LevelMapperOptions {
  /** Lowest and highest pyramid level available, e.g. 2 and 5 for P2–P5. */
  readonly minLevel: number;
  readonly maxLevel: number;
  /** Box side (sqrt of area, image pixels) that maps to `canonicalLevel`. Default 224. */
  readonly canonicalScale?: number;
  /** Default 4. */
  readonly canonicalLevel?: number;
  /** Added before the floor so that exact powers of two land on their level. Default 1e-6. */
  readonly eps?: number;
}

/**
 * FPN's RoI-to-level rule (Lin et al., "Feature Pyramid Networks for Object Detection",
 * CVPR 2017, Eq. 1) as torchvision's `LevelMapper` implements it:
 * `k = clamp(floor(k0 + log2(sqrt(w·h) / s0) + eps), kmin, kmax)` with `w = x2 − x1`,
 * `h = y2 − y1` in image pixels, `k0 = 4`, `s0 = 224`, `eps = 1e-6`.
 * Computed in float64 (torchvision uses the boxes' dtype, usually float32).
 *
 * @returns the pyramid level `k` of each box (not an index: 2 means P2).
 */
export function levelForBoxes(boxes: BoxRows, options: LevelMapperOptions): Int32Array {
  const { minLevel, maxLevel } = options;
  const canonicalScale = options.canonicalScale ?? 224;
  const canonicalLevel = options.canonicalLevel ?? 4;
  const eps = options.eps ?? 1e-6;
  const out = new Int32Array(boxCount(boxes));
  for (let i = 0; i < out.length; i++) {
    const [x1, y1, x2, y2] = boxAt(boxes, i);
    const size = Math.sqrt((x2 - x1) * (y2 - y1));
    const level = Math.floor(canonicalLevel + Math.log2(size / canonicalScale) + eps);
    // A degenerate box gives log2(0) = −∞ (or NaN): it goes to the finest level, as in torch.
    out[i] = Number.isNaN(level) ? minLevel : Math.min(maxLevel, Math.max(minLevel, level));
  }
  return out;
}

/** SoCo's default size thresholds (`--aware_range`), for P2, P3, P4, P5. */
export const SOCO_LEVEL_THRESHOLDS: readonly number[] = [48, 96, 192, 224];

/**
 * SoCo's box-to-level rule (Wei et al., "Aligning Pretraining for Detection via Object-Level
 * Contrastive Learning", NeurIPS 2021; `assign_bboxs_to_feature_map` in the official code):
 * with box corners truncated to integers (SoCo casts the resized boxes with `astype(int)`),
 * `size = sqrt((x2 − x1 + 1)·(y2 − y1 + 1))` in view pixels, and the box goes to the first
 * level `j` with `size ≤ thresholds[j]`. Larger boxes get −1: SoCo leaves them out of every
 * level's correspondence.
 *
 * @returns per box the index into `thresholds` (0 = the first level, P2 with the defaults) or −1.
 */
export function socoLevelForBoxes(
  boxes: BoxRows,
  thresholds: readonly number[] = SOCO_LEVEL_THRESHOLDS,
): Int32Array {
  const out = new Int32Array(boxCount(boxes));
  for (let i = 0; i < out.length; i++) {
    const [x1, y1, x2, y2] = boxAt(boxes, i).map(Math.trunc) as [number, number, number, number];
    const size = Math.sqrt((x2 - x1 + 1) * (y2 - y1 + 1));
    out[i] = thresholds.findIndex((threshold) => size <= threshold);
  }
  return out;
}
