/** Which of SoCo's filters produced a box list (see {@link socoFilterTiered}). */
export type SocoFilterTier = 'ratio3size0308' | 'ratio3' | 'none' | 'whole-image';

/**
 * SoCo's proposal filter (hologerry/SoCo `selective_search/filters.py`, run by
 * `filter_ss_proposals_json.py` with strategy `ratio3size0308` and, for images left without
 * proposals, `filter_ss_proposals_json_post_no_prop.py`), on xyxy boxes with exclusive ends, so
 * w = x2 − x1 is SoCo's rect width. Tiers, each on all boxes, the first non-empty one wins:
 * 1. `filter_ratio_size(r=3, 0.3, 0.8)`: w ≥ 32, h ≥ 32, 1/3 ≤ w/h ≤ 3 and
 *    0.3 ≤ √(w·h)/√(W·H) ≤ 0.8;
 * 2. `filter_ratio(r=3)`: w ≥ 32, h ≥ 32 and 1/3 ≤ w/h ≤ 3;
 * 3. `filter_none`: w ≥ 32 and h ≥ 32;
 * 4. the whole image (SoCo's data loader inserts [0, 0, W − 1, H − 1] inclusive).
 * All comparisons are inclusive, as in SoCo. Boxes keep their order and duplicates: SoCo keeps
 * identical rectangles of different regions as separate proposals.
 */
export function socoFilterTiered(
  boxes: Float32Array,
  width: number,
  height: number,
): { boxes: Float32Array; tier: SocoFilterTier } {
  const n = boxes.length / 4;
  const imageRoot = Math.sqrt(width * height);
  const sides = (i: number): [number, number] => [
    boxes[i * 4 + 2]! - boxes[i * 4]!,
    boxes[i * 4 + 3]! - boxes[i * 4 + 1]!,
  ];
  const bigEnough = (w: number, h: number): boolean => w >= 32 && h >= 32;
  // Only reached with h ≥ 32, as in SoCo, whose `and` short-circuits before w / h.
  const squareEnough = (w: number, h: number): boolean => 1 / 3 <= w / h && w / h <= 3;
  const scaleFits = (w: number, h: number): boolean => {
    const ratio = Math.sqrt(w * h) / imageRoot;
    return 0.3 <= ratio && ratio <= 0.8;
  };
  const tiers: [SocoFilterTier, (w: number, h: number) => boolean][] = [
    ['ratio3size0308', (w, h) => bigEnough(w, h) && squareEnough(w, h) && scaleFits(w, h)],
    ['ratio3', (w, h) => bigEnough(w, h) && squareEnough(w, h)],
    ['none', bigEnough],
  ];
  for (const [tier, keep] of tiers) {
    const kept: number[] = [];
    for (let i = 0; i < n; i++) {
      if (keep(...sides(i))) kept.push(...boxes.subarray(i * 4, i * 4 + 4));
    }
    if (kept.length > 0) return { boxes: Float32Array.from(kept), tier };
  }
  return { boxes: Float32Array.from([0, 0, width, height]), tier: 'whole-image' };
}

/** {@link socoFilterTiered}'s boxes. */
export function socoFilter(boxes: Float32Array, width: number, height: number): Float32Array {
  return socoFilterTiered(boxes, width, height).boxes;
}
