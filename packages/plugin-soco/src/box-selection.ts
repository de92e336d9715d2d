import type { Rng } from '@ssdet/core';
import type { Box } from '@ssdet/data';

/** Boxes in source-image pixels (xyxy, edges between pixels) with their proposal ids. */
export interface IdentifiedBoxes {
  /** `4·n` floats. */
  readonly boxes: Float32Array;
  /** `n` proposal indices: the same id in two views is the same object. */
  readonly ids: Int32Array;
}

function box(boxes: Float32Array, i: number): [number, number, number, number] {
  return [boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!];
}

function build(
  rows: readonly (readonly [number, number, number, number, number])[],
): IdentifiedBoxes {
  const boxes = new Float32Array(rows.length * 4);
  const ids = new Int32Array(rows.length);
  rows.forEach(([x0, y0, x1, y1, id], i) => {
    boxes.set([x0, y0, x1, y1], 4 * i);
    ids[i] = id;
  });
  return { boxes, ids };
}

function rowsOf(set: IdentifiedBoxes): [number, number, number, number, number][] {
  return Array.from(set.ids, (id, i) => [...box(set.boxes, i), id]);
}

/** Proposals whose interior meets `region` (SoCo's `get_overlap_props`). */
export function proposalsOverlapping(proposals: IdentifiedBoxes, region: Box): IdentifiedBoxes {
  const rows = rowsOf(proposals).filter(
    ([x0, y0, x1, y1]) => x0 < region[2] && region[0] < x1 && y0 < region[3] && region[1] < y1,
  );
  return build(rows);
}

/**
 * SoCo's `select_props(…, 'random', k)`: k proposals drawn without replacement, or all of them
 * when there are no more than k.
 */
export function selectProposals(candidates: IdentifiedBoxes, k: number, rng: Rng): IdentifiedBoxes {
  const rows = rowsOf(candidates);
  if (rows.length <= k) return build(rows);
  return build(rng.shuffle(rows).slice(0, k));
}

/**
 * Box jitter (SoCo's `jitter_props`): with probability `p`, each coordinate of a box moves by a
 * fraction of its size, `x0' = x0 + j₀·w`, `y0' = y0 + j₁·h`, `w' = (1 + j₂)·w`, `h' = (1 + j₃)·h`,
 * `j ~ U(−ratio, ratio)`.
 */
export function jitterBoxes(
  set: IdentifiedBoxes,
  p: number,
  ratio: number,
  rng: Rng,
): IdentifiedBoxes {
  const rows = rowsOf(set).map(([x0, y0, x1, y1, id]) => {
    if (!rng.bernoulli(p)) return [x0, y0, x1, y1, id] as const;
    return jitterOne([x0, y0, x1, y1], ratio, rng, id);
  });
  return build(rows);
}

function jitterOne(
  [x0, y0, x1, y1]: readonly [number, number, number, number],
  ratio: number,
  rng: Rng,
  id: number,
): readonly [number, number, number, number, number] {
  const j = [0, 1, 2, 3].map(() => rng.uniform(-ratio, ratio));
  const w = x1 - x0;
  const h = y1 - y0;
  const nx0 = x0 + j[0]! * w;
  const ny0 = y0 + j[1]! * h;
  return [nx0, ny0, nx0 + (1 + j[2]!) * w, ny0 + (1 + j[3]!) * h, id];
}

/**
 * Clips boxes to a view's source rectangle, dropping those that miss it (SoCo's `clip_bboxs`);
 * when none is left, the whole view with `fallbackId` stands in.
 */
export function clipToView(set: IdentifiedBoxes, view: Box, fallbackId: number): IdentifiedBoxes {
  const rows: [number, number, number, number, number][] = [];
  for (const [x0, y0, x1, y1, id] of rowsOf(set)) {
    if (!(x0 < view[2] && view[0] < x1 && y0 < view[3] && view[1] < y1)) continue;
    rows.push([
      Math.max(x0, view[0]),
      Math.max(y0, view[1]),
      Math.min(x1, view[2]),
      Math.min(y1, view[3]),
      id,
    ]);
  }
  if (rows.length === 0) rows.push([...view, fallbackId]);
  return build(rows);
}

/**
 * Pads a view's boxes to `k` with random copies (drawn with replacement) of its boxes whose id is
 * in `common` — the proposals both views of the pair show (SoCo's `pad_bboxs_with_common`).
 * `jitterRatio > 0` jitters each copy afresh and clips it to `view`. With no common box, copies
 * of any box are used (their ids then match nothing in the other view).
 */
export function padToK(
  set: IdentifiedBoxes,
  common: ReadonlySet<number>,
  k: number,
  rng: Rng,
  view: Box,
  jitterRatio = 0,
): IdentifiedBoxes {
  const rows = rowsOf(set);
  if (rows.length >= k) return build(rows.slice(0, k));
  const shared = rows.filter((row) => common.has(row[4]));
  const pool = shared.length > 0 ? shared : rows;
  const padded = [...rows];
  let misses = 0;
  while (padded.length < k) {
    const [x0, y0, x1, y1, id] = pool[rng.int(0, pool.length)]!;
    // A jittered copy can leave the view; after many misses, fall back to a plain copy.
    if (jitterRatio <= 0 || misses > 100) {
      padded.push([x0, y0, x1, y1, id]);
      continue;
    }
    const [a, b, c, d] = jitterOne([x0, y0, x1, y1], jitterRatio, rng, id);
    if (!(a < view[2] && view[0] < c && b < view[3] && view[1] < d)) {
      misses += 1;
      continue;
    }
    padded.push([
      Math.max(a, view[0]),
      Math.max(b, view[1]),
      Math.min(c, view[2]),
      Math.min(d, view[3]),
      id,
    ]);
  }
  return build(padded);
}

/** The ids present in both sets. */
export function commonIds(a: IdentifiedBoxes, b: IdentifiedBoxes): Set<number> {
  const inB = new Set(b.ids);
  return new Set(Array.from(a.ids).filter((id) => inB.has(id)));
}

/** Concatenates box sets (V1 carries one set per view pair). */
export function concatBoxes(sets: readonly IdentifiedBoxes[]): IdentifiedBoxes {
  return build(sets.flatMap(rowsOf));
}
