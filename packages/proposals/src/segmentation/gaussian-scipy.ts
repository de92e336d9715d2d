/**
 * `scipy.ndimage.gaussian_filter(image, sigma=[σ, σ, 0], mode='reflect', truncate=4)` on an
 * interleaved float64 HWC image — the smoothing scikit-image's `felzenszwalb` applies.
 *
 * Kernel: w(x) = exp(−x² / 2σ²) / Σ, x ∈ [−r, r], r = ⌊4σ + 0.5⌋. Rows first, then columns
 * (SciPy's axis order). `reflect` repeats the edge sample (d c b a | a b c d | d c b a).
 * The symmetric sum is accumulated as SciPy's `NI_Correlate1D` does:
 * w₀·x₀ + Σⱼ wⱼ·(x₊ⱼ + x₋ⱼ).
 */
export function gaussianFilterScipy(
  image: Float64Array,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): Float64Array {
  if (!(sigma > 1e-15)) return image.slice();
  const weights = scipyGaussianKernel(sigma);
  const radius = weights.length - 1;
  const afterRows = new Float64Array(image.length);
  // axis 0 (along y)
  const column = new Float64Array(height + 2 * radius);
  for (let x = 0; x < width; x++) {
    for (let c = 0; c < channels; c++) {
      for (let y = -radius; y < height + radius; y++) {
        column[y + radius] = image[(reflectIndex(y, height) * width + x) * channels + c]!;
      }
      for (let y = 0; y < height; y++) {
        const centre = y + radius;
        let sum = column[centre]! * weights[0]!;
        for (let j = 1; j <= radius; j++) {
          sum += (column[centre + j]! + column[centre - j]!) * weights[j]!;
        }
        afterRows[(y * width + x) * channels + c] = sum;
      }
    }
  }
  const out = new Float64Array(image.length);
  const row = new Float64Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < channels; c++) {
      for (let x = -radius; x < width + radius; x++) {
        row[x + radius] = afterRows[(y * width + reflectIndex(x, width)) * channels + c]!;
      }
      for (let x = 0; x < width; x++) {
        const centre = x + radius;
        let sum = row[centre]! * weights[0]!;
        for (let j = 1; j <= radius; j++) {
          sum += (row[centre + j]! + row[centre - j]!) * weights[j]!;
        }
        out[(y * width + x) * channels + c] = sum;
      }
    }
  }
  return out;
}

/** Half of the normalised kernel: `[w₀, w₁, …, w_r]`. */
export function scipyGaussianKernel(sigma: number): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const factor = -0.5 / (sigma * sigma);
  const full = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = 0; i < full.length; i++) {
    const x = i - radius;
    full[i] = Math.exp(factor * x * x);
  }
  for (let i = 0; i < full.length; i++) sum += full[i]!;
  const half = new Float64Array(radius + 1);
  for (let j = 0; j <= radius; j++) half[j] = full[radius + j]! / sum;
  return half;
}

/** SciPy `reflect` (half-sample symmetric) index for any integer position. */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}
