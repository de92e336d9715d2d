import type { SocoRegion } from './soco-region.js';

/**
 * SoCo's `_calc_sim`: colour + texture + size + fill, each as its Python computes it in float64
 * (summation order included, so equal similarities stay equal and ties break as in SoCo):
 * - colour, texture: Σ_k min(hₐ[k], h_b[k]) accumulated left to right;
 * - size: 1 − (sₐ + s_b)/imageSize;
 * - fill: 1 − (B − sₐ − s_b)/imageSize, B = (max maxX − min minX)·(max maxY − min minY) — the
 *   union box measured without the +1, as SoCo does.
 */
export function socoSimilarity(a: SocoRegion, b: SocoRegion, imageSize: number): number {
  const colour = intersection(a.colour, b.colour);
  const texture = intersection(a.texture, b.texture);
  const size = 1 - (a.size + b.size) / imageSize;
  const box =
    (Math.max(a.maxX, b.maxX) - Math.min(a.minX, b.minX)) *
    (Math.max(a.maxY, b.maxY) - Math.min(a.minY, b.minY));
  const fill = 1 - (box - a.size - b.size) / imageSize;
  return colour + texture + size + fill;
}

function intersection(x: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < x.length; k++) sum += Math.min(x[k]!, y[k]!);
  return sum;
}
