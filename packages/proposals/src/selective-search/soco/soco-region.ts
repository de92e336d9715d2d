/**
 * One region of SoCo's Selective Search (`selective_search/selective_search.py` in
 * hologerry/SoCo): its bounding pixels, pixel count and L1-normalised histograms.
 */
export interface SocoRegion {
  /** Leftmost / topmost / rightmost / bottommost pixel (inclusive). */
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  /** Pixels in the region. */
  readonly size: number;
  /** H, S, V histograms, 25 bins each over (0, 255), divided by `size` (75 values). */
  readonly colour: Float64Array;
  /** LBP histograms of R, G, B, 10 bins each over (0, 255), divided by `size` (30 values). */
  readonly texture: Float64Array;
}

/** Histogram bins per channel: SoCo's `BINS` in `_calc_colour_hist` and `_calc_texture_hist`. */
export const SOCO_COLOUR_BINS = 25;
export const SOCO_TEXTURE_BINS = 10;

/**
 * `_merge_regions`: the union box, summed size and size-weighted mean histograms, computed as
 * NumPy does, (h₁·s₁ + h₂·s₂)/(s₁ + s₂) per bin in float64.
 */
export function mergeSocoRegions(a: SocoRegion, b: SocoRegion): SocoRegion {
  const size = a.size + b.size;
  const mix = (x: Float64Array, y: Float64Array): Float64Array => {
    const out = new Float64Array(x.length);
    for (let k = 0; k < x.length; k++) out[k] = (x[k]! * a.size + y[k]! * b.size) / size;
    return out;
  };
  return {
    minX: Math.min(a.minX, b.minX),
    minY: Math.min(a.minY, b.minY),
    maxX: Math.max(a.maxX, b.maxX),
    maxY: Math.max(a.maxY, b.maxY),
    size,
    colour: mix(a.colour, b.colour),
    texture: mix(a.texture, b.texture),
  };
}
