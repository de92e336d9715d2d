import type { RegionFeatures } from './region-features.js';

/** The four similarity measures of Selective Search (Uijlings et al., IJCV 2013, §3.2). */
export type SimilarityMeasure = 'colour' | 'texture' | 'size' | 'fill';

const f = Math.fround;

/**
 * A weighted combination of measures, evaluated and merged with OpenCV's float32 arithmetic.
 * Equal weights 1/m as OpenCV's `createSelectiveSearchSegmentationStrategyMultiple` sets them
 * (1, 0.5, 0.3333, 0.25).
 *
 * - colour, texture: histogram intersection Σᵢ min(h₁ᵢ, h₂ᵢ); merging averages the histograms
 *   weighted by size.
 * - size: 1 − (|r₁| + |r₂|)/|image|, so small regions merge first.
 * - fill: 1 − (|BB(r₁ ∪ r₂)| − |r₁| − |r₂|)/|image|, so regions that fill each other's gaps merge.
 */
export class SimilarityStrategy {
  private readonly weights: Float32Array;
  private readonly weightTotal: number;
  private readonly sizes: Int32Array;
  private readonly rects: Int32Array;
  private readonly colour: Float32Array;
  private readonly texture: Float32Array;

  constructor(
    readonly measures: readonly SimilarityMeasure[],
    private readonly features: RegionFeatures,
  ) {
    const weight = [1, 0.5, 0.3333, 0.25][measures.length - 1] ?? 1 / measures.length;
    this.weights = new Float32Array(measures.length).fill(weight);
    let total = 0;
    for (let i = 0; i < measures.length; i++) total = f(total + this.weights[i]!);
    this.weightTotal = total;
    this.sizes = features.sizes.slice();
    this.rects = features.rects.slice();
    this.colour = measures.includes('colour') ? features.colour.slice() : new Float32Array(0);
    this.texture = measures.includes('texture') ? features.texture.slice() : new Float32Array(0);
  }

  similarity(a: number, b: number): number {
    let total = 0;
    for (let i = 0; i < this.measures.length; i++) {
      total = f(total + f(this.weights[i]! * this.measure(this.measures[i]!, a, b)));
    }
    return f(total / this.weightTotal);
  }

  /** Merges working id `b` into `a` (both ids then hold the union, as in OpenCV). */
  merge(a: number, b: number): void {
    const sa = this.sizes[a]!;
    const sb = this.sizes[b]!;
    const sum = f(sa + sb);
    if (this.colour.length > 0)
      mergeHistograms(this.colour, this.features.colourBins, a, b, sa, sb, sum);
    if (this.texture.length > 0)
      mergeHistograms(this.texture, this.features.textureBins, a, b, sa, sb, sum);
    const r = this.rects;
    const x0 = Math.min(r[a * 4]!, r[b * 4]!);
    const y0 = Math.min(r[a * 4 + 1]!, r[b * 4 + 1]!);
    const x1 = Math.max(r[a * 4 + 2]!, r[b * 4 + 2]!);
    const y1 = Math.max(r[a * 4 + 3]!, r[b * 4 + 3]!);
    for (const id of [a, b]) {
      r[id * 4] = x0;
      r[id * 4 + 1] = y0;
      r[id * 4 + 2] = x1;
      r[id * 4 + 3] = y1;
    }
    this.sizes[a] = sa + sb;
    this.sizes[b] = sa + sb;
  }

  private measure(measure: SimilarityMeasure, a: number, b: number): number {
    const imageSize = f(this.features.imageSize);
    switch (measure) {
      case 'colour':
        return intersection(this.colour, this.features.colourBins, a, b);
      case 'texture':
        return intersection(this.texture, this.features.textureBins, a, b);
      case 'size': {
        const v = f(1 - f(f(this.sizes[a]! + this.sizes[b]!) / imageSize));
        return Math.max(Math.min(v, 1), 0);
      }
      case 'fill': {
        const r = this.rects;
        const w = Math.max(r[a * 4 + 2]!, r[b * 4 + 2]!) - Math.min(r[a * 4]!, r[b * 4]!);
        const h = Math.max(r[a * 4 + 3]!, r[b * 4 + 3]!) - Math.min(r[a * 4 + 1]!, r[b * 4 + 1]!);
        const v = f(1 - f(f(w * h - this.sizes[a]! - this.sizes[b]!) / imageSize));
        return Math.max(Math.min(v, 1), 0);
      }
    }
  }
}

function intersection(h: Float32Array, bins: number, a: number, b: number): number {
  let r = 0;
  const oa = a * bins;
  const ob = b * bins;
  for (let i = 0; i < bins; i++) {
    const x = h[oa + i]!;
    const y = h[ob + i]!;
    r = f(r + (x < y ? x : y));
  }
  return r;
}

function mergeHistograms(
  h: Float32Array,
  bins: number,
  a: number,
  b: number,
  sa: number,
  sb: number,
  sum: number,
): void {
  const oa = a * bins;
  const ob = b * bins;
  for (let i = 0; i < bins; i++) {
    const v = f(f(f(h[oa + i]! * sa) + f(h[ob + i]! * sb)) / sum);
    h[oa + i] = v;
    h[ob + i] = v;
  }
}
