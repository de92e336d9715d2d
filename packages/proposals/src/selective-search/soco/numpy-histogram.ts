/**
 * Bin assignment of `np.histogram(values, bins, range=(low, high))` (NumPy 1.24's equal-width fast
 * path), so that values on or one ulp beside a bin edge land where NumPy puts them.
 *
 * NumPy's edges are `np.linspace(low, high, bins + 1)` (edge i = low + i·((high − low)/bins), the
 * last edge exactly `high`); a value's bin starts as ⌊(v − low) · bins/(high − low)⌋ and is then
 * moved down if v < its left edge and up if v ≥ its right edge (except into a bin past the last).
 * The last bin includes `high`; values outside [low, high] (and NaN) are not counted.
 */
export class NumpyHistogramBins {
  readonly bins: number;
  private readonly low: number;
  private readonly high: number;
  private readonly norm: number;
  private readonly edges: Float64Array;

  constructor(bins: number, low: number, high: number) {
    this.bins = bins;
    this.low = low;
    this.high = high;
    this.norm = bins / (high - low);
    const step = (high - low) / bins;
    this.edges = new Float64Array(bins + 1);
    for (let i = 0; i <= bins; i++) this.edges[i] = i * step + low;
    this.edges[bins] = high;
  }

  /** The bin NumPy counts `value` in, or −1 when it is not counted. */
  binOf(value: number): number {
    if (!(value >= this.low && value <= this.high)) return -1;
    let index = Math.trunc((value - this.low) * this.norm);
    if (index === this.bins) index -= 1;
    if (value < this.edges[index]!) index -= 1;
    if (value >= this.edges[index + 1]! && index !== this.bins - 1) index += 1;
    return index;
  }
}
