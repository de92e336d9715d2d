import type { SocoRegion } from './soco-region.js';

/**
 * SoCo's `intersect(a, b)` in `_extract_neighbors`: true when a corner of b's bounding box lies
 * strictly inside a's (all four comparisons strict). It is a bounding-box test, not adjacency,
 * and one-sided: b enclosing a, boxes that only share an edge, and crossing boxes with no corner
 * inside the other are not neighbours.
 */
export function socoIntersects(a: SocoRegion, b: SocoRegion): boolean {
  const insideX = (x: number): boolean => a.minX < x && x < a.maxX;
  const insideY = (y: number): boolean => a.minY < y && y < a.maxY;
  return (
    (insideX(b.minX) && insideY(b.minY)) ||
    (insideX(b.maxX) && insideY(b.maxY)) ||
    (insideX(b.minX) && insideY(b.maxY)) ||
    (insideX(b.maxX) && insideY(b.minY))
  );
}

/**
 * `_extract_neighbors`: every pair (a, b) with a before b in region order and
 * `socoIntersects(a, b)`, in loop order (a outer, b inner); returned as index pairs.
 */
export function socoNeighbourPairs(regions: readonly SocoRegion[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a + 1 < regions.length; a++) {
    for (let b = a + 1; b < regions.length; b++) {
      if (socoIntersects(regions[a]!, regions[b]!)) pairs.push([a, b]);
    }
  }
  return pairs;
}
