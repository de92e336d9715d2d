import type { DecodedImage } from '@ssdet/core';
import { felzenszwalb } from '../../segmentation/felzenszwalb.js';
import { socoHierarchicalGrouping } from './soco-grouping.js';
import { socoNeighbourPairs } from './soco-neighbours.js';
import { extractSocoRegions } from './soco-region-extraction.js';

export interface SocoSelectiveSearchOptions {
  /** skimage `felzenszwalb` scale (SoCo: 300). */
  readonly scale: number;
  /** Its Gaussian σ (SoCo: 0.9). */
  readonly sigma: number;
  /** Its min_size (SoCo: 100). */
  readonly minSize: number;
}

/** SoCo's settings in `generate_imagenet_ss_proposals.py`. */
export const SOCO_SELECTIVE_SEARCH_DEFAULTS: SocoSelectiveSearchOptions = {
  scale: 300,
  sigma: 0.9,
  minSize: 100,
};

export interface SocoSelectiveSearchResult {
  /**
   * SoCo's `rect`s, [x, y, w, h] per region with w = maxX − minX and h = maxY − minY (inclusive
   * extremes, so one pixel short of the region), in SoCo's order: the initial segments by first
   * appearance, then the merged regions. Identical rectangles of different regions all stay.
   */
  readonly rects: Int32Array;
  /** Number of initial (Felzenszwalb–Huttenlocher) segments: the first regions. */
  readonly segments: number;
  /** Per merge, the indices of the two regions it joined. */
  readonly merges: Int32Array;
}

/**
 * SoCo's own Selective Search (hologerry/SoCo `selective_search/selective_search.py`, itself a
 * variant of the `selectivesearch` package with LBP texture), reproduced step by step:
 * skimage-semantics Felzenszwalb–Huttenlocher on the image scaled to [0, 1], regions with
 * HSV/LBP histograms ({@link extractSocoRegions}), neighbours by SoCo's one-sided bounding-box
 * test ({@link socoNeighbourPairs}), and its greedy grouping on colour + texture + size + fill
 * ({@link socoHierarchicalGrouping}). Every region of the hierarchy is returned.
 */
export function socoSelectiveSearch(
  image: DecodedImage,
  options: SocoSelectiveSearchOptions = SOCO_SELECTIVE_SEARCH_DEFAULTS,
): SocoSelectiveSearchResult {
  const mask = felzenszwalb(image, { ...options, variant: 'skimage' });
  const initial = extractSocoRegions(image, mask.labels);
  const pairs = socoNeighbourPairs(initial);
  const { regions, merges } = socoHierarchicalGrouping(initial, pairs, image.width * image.height);
  const rects = new Int32Array(regions.length * 4);
  regions.forEach((r, i) => rects.set([r.minX, r.minY, r.maxX - r.minX, r.maxY - r.minY], i * 4));
  return { rects, segments: initial.length, merges: Int32Array.from(merges.flat()) };
}

/**
 * SoCo's rects as xyxy boxes with exclusive ends, (x, y, x + w, y + h): the pixels
 * x..x + w − 1 that SoCo's data loader uses (`convert_props`: x2 = x + w − 1, inclusive).
 */
export function socoRectsToBoxes(rects: Int32Array): Float32Array {
  const boxes = new Float32Array(rects.length);
  for (let i = 0; i < rects.length; i += 4) {
    boxes[i] = rects[i]!;
    boxes[i + 1] = rects[i + 1]!;
    boxes[i + 2] = rects[i]! + rects[i + 2]!;
    boxes[i + 3] = rects[i + 1]! + rects[i + 3]!;
  }
  return boxes;
}
