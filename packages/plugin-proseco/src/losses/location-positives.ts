import { SsdetError } from '@ssdet/core';

/** What decides which teacher proposals are positives of which student predictions. */
export interface LocationPositivesInputs {
  /** `[N·4]` xyxy: the box each anchor (student prediction) measures overlap from. */
  readonly anchorBoxes: Float32Array;
  /** `[N]` the image of each anchor. */
  readonly anchorImages: Int32Array;
  /** `[M·4]` xyxy: the teacher proposals' boxes. */
  readonly keyBoxes: Float32Array;
  /** `[M]` the image of each teacher proposal. */
  readonly keyImages: Int32Array;
  /**
   * `[N]` the teacher proposal each anchor is matched to (always a positive), or −1 for none.
   */
  readonly matched: Int32Array;
  /** δ: IoU at or above which a same-image proposal is a positive. */
  readonly iouThreshold: number;
}

/**
 * LocInfoNCE's positive sets as a `[N, M]` 0/1 mask (row-major): proposal j is a positive of
 * prediction i when both come from the same image and IoU(b_i, b′_j) ≥ δ, or when j is the
 * proposal i is matched to. Every other proposal of the batch, in any image, is a negative.
 * Computed from box values: no gradient flows through the choice of positives.
 */
export function locationPositives(inputs: LocationPositivesInputs): Float32Array {
  const { anchorBoxes, anchorImages, keyBoxes, keyImages, matched, iouThreshold } = inputs;
  const n = anchorImages.length;
  const m = keyImages.length;
  if (anchorBoxes.length !== n * 4 || keyBoxes.length !== m * 4 || matched.length !== n) {
    throw new SsdetError(
      'PROSECO_POSITIVES_SHAPE',
      `LocInfoNCE positives: ${n} anchors need ${n * 4} box values and ${n} matches (got ${anchorBoxes.length}, ${matched.length}); ${m} proposals need ${m * 4} box values (got ${keyBoxes.length}).`,
    );
  }
  const mask = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const a = i * 4;
    const ax0 = anchorBoxes[a]!;
    const ay0 = anchorBoxes[a + 1]!;
    const ax1 = anchorBoxes[a + 2]!;
    const ay1 = anchorBoxes[a + 3]!;
    const areaA = Math.max(0, ax1 - ax0) * Math.max(0, ay1 - ay0);
    for (let j = 0; j < m; j++) {
      if (keyImages[j] !== anchorImages[i]) continue;
      const k = j * 4;
      const bx0 = keyBoxes[k]!;
      const by0 = keyBoxes[k + 1]!;
      const bx1 = keyBoxes[k + 2]!;
      const by1 = keyBoxes[k + 3]!;
      const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
      const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
      const intersection = iw * ih;
      const union = areaA + Math.max(0, bx1 - bx0) * Math.max(0, by1 - by0) - intersection;
      if (union > 0 && intersection / union >= iouThreshold) mask[i * m + j] = 1;
    }
    const j = matched[i]!;
    if (j >= 0) mask[i * m + j] = 1;
  }
  return mask;
}
