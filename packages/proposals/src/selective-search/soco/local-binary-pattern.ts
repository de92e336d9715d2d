/**
 * `skimage.feature.local_binary_pattern(image, P, R, method='default')` (scikit-image 0.19,
 * `_local_binary_pattern`) on one float64 channel, row-major.
 *
 * Sample i of P sits at (r + rpᵢ, c + cpᵢ) with rpᵢ = round(−R·sin(2πi/P), 5) and
 * cpᵢ = round(R·cos(2πi/P), 5); its value is bilinearly interpolated with zeros outside the image
 * (`mode='C'`, cval 0), in scikit-image's operation order so that the results agree to the bit.
 * Bit i is set when sampleᵢ − centre ≥ 0; the code is Σ bitᵢ·2ⁱ.
 */
export function localBinaryPattern(
  image: Float64Array,
  width: number,
  height: number,
  points: number,
  radius: number,
): Float64Array {
  const rp = new Float64Array(points);
  const cp = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    const angle = (2 * Math.PI * i) / points;
    rp[i] = roundDecimals(-radius * Math.sin(angle), 5);
    cp[i] = roundDecimals(radius * Math.cos(angle), 5);
  }
  // floor/ceil and the fractional part of r + rpᵢ depend on r through rounding of the sum, so
  // they are tabulated per row (and per column for c + cpᵢ) rather than derived once.
  const weights = Float64Array.from({ length: points }, (_, i) => 2 ** i);
  const rows = interpolationTable(rp, height);
  const cols = interpolationTable(cp, width);
  const pixel = (r: number, c: number): number =>
    r < 0 || r >= height || c < 0 || c >= width ? 0 : image[r * width + c]!;
  const output = new Float64Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const centre = image[r * width + c]!;
      let lbp = 0;
      for (let i = 0; i < points; i++) {
        const ri = r * points + i;
        const ci = c * points + i;
        const minR = rows.low[ri]!;
        const maxR = rows.high[ri]!;
        const minC = cols.low[ci]!;
        const maxC = cols.high[ci]!;
        const dr = rows.fraction[ri]!;
        const dc = cols.fraction[ci]!;
        const top = (1 - dc) * pixel(minR, minC) + dc * pixel(minR, maxC);
        const bottom = (1 - dc) * pixel(maxR, minC) + dc * pixel(maxR, maxC);
        const sample = (1 - dr) * top + dr * bottom;
        if (sample - centre >= 0) lbp += weights[i]!;
      }
      output[r * width + c] = lbp;
    }
  }
  return output;
}

interface InterpolationTable {
  readonly low: Int32Array;
  readonly high: Int32Array;
  readonly fraction: Float64Array;
}

/** For every position k < length and offset oᵢ: ⌊k + oᵢ⌋, ⌈k + oᵢ⌉ and (k + oᵢ) − ⌊k + oᵢ⌋. */
function interpolationTable(offsets: Float64Array, length: number): InterpolationTable {
  const points = offsets.length;
  const low = new Int32Array(length * points);
  const high = new Int32Array(length * points);
  const fraction = new Float64Array(length * points);
  for (let k = 0; k < length; k++) {
    for (let i = 0; i < points; i++) {
      const position = k + offsets[i]!;
      const floor = Math.floor(position);
      low[k * points + i] = floor;
      high[k * points + i] = Math.ceil(position);
      fraction[k * points + i] = position - floor;
    }
  }
  return { low, high, fraction };
}

/** `np.round(x, decimals)`: scale, round half to even, unscale. */
function roundDecimals(x: number, decimals: number): number {
  const scale = 10 ** decimals;
  const y = x * scale;
  let rounded = Math.round(y);
  // Math.round sends halves up; NumPy's rint sends them to the even neighbour.
  if (rounded - y === 0.5 && rounded % 2 !== 0) rounded -= 1;
  return rounded / scale;
}
