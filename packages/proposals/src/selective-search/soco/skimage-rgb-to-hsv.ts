/**
 * `skimage.color.rgb2hsv` (0.19) on float64 RGB, interleaved, *without* rescaling: SoCo hands it
 * the 0–255 values of a float64 array, which scikit-image takes as they are. H and S come out in
 * [0, 1] (they are ratios), V in [0, 255].
 *
 * Per pixel: V = max, Δ = max − min, S = Δ/V (0 where Δ = 0); H from whichever channel equals V,
 * blue over green over red when several do: (G − B)/Δ, 2 + (B − R)/Δ or 4 + (R − G)/Δ, then
 * H = (H/6) mod 1 with NumPy's floor-modulo, and 0 where Δ = 0.
 */
export function skimageRgbToHsv(rgb: Float64Array): Float64Array {
  const out = new Float64Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!;
    const g = rgb[i + 1]!;
    const b = rgb[i + 2]!;
    const v = Math.max(r, g, b);
    const delta = v - Math.min(r, g, b);
    let h = 0;
    let s = 0;
    if (delta !== 0) {
      s = delta / v;
      if (b === v) h = 4 + (r - g) / delta;
      else if (g === v) h = 2 + (b - r) / delta;
      else h = (g - b) / delta;
      h = floorMod1(h / 6);
    }
    out[i] = h;
    out[i + 1] = s;
    out[i + 2] = v;
  }
  return out;
}

/** `np.mod(x, 1.0)`: fmod, shifted into [0, 1) when negative; an exact zero becomes +0. */
function floorMod1(x: number): number {
  const mod = x % 1;
  if (mod === 0) return 0;
  return mod < 0 ? mod + 1 : mod;
}
