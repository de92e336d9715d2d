import type { Rng } from '@ssdet/core';

export interface RegionPointOptions {
  /** Regions per view: the shared one first, then the negatives (1 + 15 officially). */
  readonly regions: number;
  /** Points drawn per region, with replacement (32 officially, `mask_area_avgnum`). */
  readonly pointsPerRegion: number;
}

/** The points of both views, `[regions · pointsPerRegion · 2]` as (row, column) pairs of the region mask. */
export interface RegionPoints {
  readonly query: Int32Array;
  readonly key: Int32Array;
  /**
   * True when region 0 is a region both views show (the positive pair). False when no region is
   * shared or a view shows a single region: then, as officially (`flag = -1`), every region of
   * each view is drawn independently among its own.
   */
  readonly shared: boolean;
}

/**
 * PLRC's point sampling (official `ImageNet.__getitem__`, the `flag` branches): a region present in
 * both views' masks is drawn uniformly as the positive; each view then gets `pointsPerRegion`
 * pixels of it, drawn uniformly with replacement, followed by `regions − 1` negative regions drawn
 * with replacement among the view's other regions, with as many points each.
 */
export function sampleRegionPoints(
  queryMask: Int32Array,
  keyMask: Int32Array,
  options: RegionPointOptions,
  rng: Rng,
): RegionPoints {
  const present = (mask: Int32Array): number[] => [...new Set(mask)].sort((a, b) => a - b);
  const queryRegions = present(queryMask);
  const keyRegions = present(keyMask);
  const common = queryRegions.filter((label) => keyRegions.includes(label));
  const shared = queryRegions.length > 1 && keyRegions.length > 1 && common.length > 0;
  const positive = shared ? rng.choice(common) : -1;
  const draw = (mask: Int32Array, regions: number[], stream: Rng): Int32Array => {
    const out = new Int32Array(options.regions * options.pointsPerRegion * 2);
    const others = regions.filter((label) => label !== positive);
    for (let r = 0; r < options.regions; r++) {
      const label = shared ? (r === 0 ? positive : stream.choice(others)) : stream.choice(regions);
      const pixels: number[] = [];
      mask.forEach((value, index) => {
        if (value === label) pixels.push(index);
      });
      const side = Math.round(Math.sqrt(mask.length));
      for (let p = 0; p < options.pointsPerRegion; p++) {
        const index = stream.choice(pixels);
        const at = (r * options.pointsPerRegion + p) * 2;
        out[at] = Math.floor(index / side);
        out[at + 1] = index % side;
      }
    }
    return out;
  };
  return {
    query: draw(queryMask, queryRegions, rng.fork('query')),
    key: draw(keyMask, keyRegions, rng.fork('key')),
    shared,
  };
}
