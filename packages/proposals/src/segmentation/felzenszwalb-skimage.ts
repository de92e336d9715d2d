import type { LabelMask } from '@ssdet/core';
import type { InterleavedImage } from '../image/interleaved-image.js';
import { numpyArgsort } from '../sort/numpy-argsort.js';
import { DisjointSet } from './disjoint-set.js';
import { gaussianFilterScipy } from './gaussian-scipy.js';
import { labelsFromRoots } from './label-mask.js';

/**
 * Felzenszwalb–Huttenlocher graph segmentation with scikit-image's `felzenszwalb` semantics
 * (`_felzenszwalb_cython`, 0.19+; colour images segmented jointly).
 *
 * 1. x ← image · (1/255) (float64, `img_as_float`'s multiplication: for 24 of the 256 levels it
 *    differs from image / 255 in the last bit), smoothed by a Gaussian of σ per spatial axis (SciPy, `reflect`).
 * 2. 8-connected graph: right, down, down-right and up-right neighbours, in that block order;
 *    w(p, q) = ‖x_p − x_q‖₂ over channels.
 * 3. Edges visited by `np.argsort(w)` (NumPy's introsort, replicated so ties fall the same way).
 *    Components C₁ ≠ C₂ merge when w < min(Int(C₁) + k/|C₁|, Int(C₂) + k/|C₂|), k = scale/255,
 *    where the thresholds are rounded to float32 (they are `cdef float` in the Cython) and
 *    Int(C) is the weight of the edge that last grew C.
 * 4. One more pass over the sorted edges joins any pair where a side has fewer than
 *    `minSize` pixels.
 *
 * Reference: Felzenszwalb & Huttenlocher, "Efficient Graph-Based Image Segmentation", IJCV 2004.
 */
export function felzenszwalbSkimage(
  image: InterleavedImage,
  scale: number,
  sigma: number,
  minSize: number,
): LabelMask {
  const { width, height, channels } = image;
  const n = width * height;
  const input = new Float64Array(n * channels);
  const unit = 1 / 255;
  for (let i = 0; i < input.length; i++) input[i] = image.data[i]! * unit;
  const smooth = gaussianFilterScipy(input, width, height, channels, sigma);

  const rightCount = height * (width - 1);
  const downCount = (height - 1) * width;
  const diagCount = (height - 1) * (width - 1);
  const edgeCount = Math.max(0, rightCount) + Math.max(0, downCount) + 2 * Math.max(0, diagCount);
  const costs = new Float64Array(edgeCount);
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  let e = 0;
  const distance = (a: number, b: number): number => {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const d = smooth[a * channels + c]! - smooth[b * channels + c]!;
      sum += d * d;
    }
    return Math.sqrt(sum);
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x + 1 < width; x++) {
      const p = y * width + x;
      from[e] = p + 1;
      to[e] = p;
      costs[e++] = distance(p + 1, p);
    }
  for (let y = 0; y + 1 < height; y++)
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      from[e] = p + width;
      to[e] = p;
      costs[e++] = distance(p + width, p);
    }
  for (let y = 0; y + 1 < height; y++)
    for (let x = 0; x + 1 < width; x++) {
      const p = y * width + x;
      from[e] = p + width + 1;
      to[e] = p;
      costs[e++] = distance(p + width + 1, p);
    }
  for (let y = 0; y + 1 < height; y++)
    for (let x = 0; x + 1 < width; x++) {
      const p = y * width + x;
      from[e] = p + 1;
      to[e] = p + width;
      costs[e++] = distance(p + 1, p + width);
    }

  const order = numpyArgsort(costs);
  const k = scale / 255;
  const sets = new DisjointSet(n);
  const internal = new Float64Array(n);
  const fround = Math.fround;
  for (let i = 0; i < edgeCount; i++) {
    const edge = order[i]!;
    const a = sets.find(from[edge]!);
    const b = sets.find(to[edge]!);
    if (a === b) continue;
    const thresholdA = fround(internal[a]! + k / sets.size[a]!);
    const thresholdB = fround(internal[b]! + k / sets.size[b]!);
    const cost = costs[edge]!;
    if (cost < Math.min(thresholdA, thresholdB)) {
      const root = sets.union(a, b);
      internal[root] = cost;
    }
  }
  for (let i = 0; i < edgeCount; i++) {
    const edge = order[i]!;
    const a = sets.find(from[edge]!);
    const b = sets.find(to[edge]!);
    if (a === b) continue;
    if (sets.size[a]! < minSize || sets.size[b]! < minSize) sets.union(a, b);
  }
  return labelsFromRoots(sets.roots(), width, height).mask;
}
