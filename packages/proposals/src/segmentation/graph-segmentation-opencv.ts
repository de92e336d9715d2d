import type { LabelMask } from '@ssdet/core';
import type { InterleavedImage } from '../image/interleaved-image.js';
import { proposalKernels } from '../native/proposal-kernels.js';
import { stdSort } from '../sort/std-sort.js';
import { DisjointSet } from './disjoint-set.js';
import { gaussianBlurOpenCv } from './gaussian-opencv.js';
import { labelsFromRoots } from './label-mask.js';

/**
 * Felzenszwalb–Huttenlocher segmentation with OpenCV's semantics
 * (`cv::ximgproc::segmentation::GraphSegmentation`, opencv_contrib `graphsegmentation.cpp`),
 * the initial segmentation of OpenCV's Selective Search.
 *
 * 1. Pixels as float32 on the 0–255 scale, `GaussianBlur(σ)` (see {@link gaussianBlurOpenCv}).
 * 2. 4-connected graph listed from every pixel towards up, left, down, right — each edge twice —
 *    w = ‖x_p − x_q‖₂ in float32.
 * 3. Edges sorted by `std::sort` (replicated, so ties fall as in a GCC build). Components merge
 *    when w ≤ τ(C₁) and w ≤ τ(C₂), τ starting at k and becoming w + k/|C| after a merge
 *    (float32). Merged edges are marked with weight 0.
 * 4. Edges with weight > 0 (so neither merged nor zero-cost) join components smaller than
 *    `minSize`, in sorted order.
 * Note that k here is on the 0–255 scale, like scikit-image's `scale`.
 */
export function graphSegmentationOpenCv(
  image: InterleavedImage,
  k: number,
  sigma: number,
  minSize: number,
): LabelMask {
  return segmentOpenCvGraph(buildOpenCvGraph(image, sigma), k, minSize);
}

/** Steps 1–3 up to the sorted edge list, which depend on the image and σ but not on k. */
export interface OpenCvGraph {
  readonly width: number;
  readonly height: number;
  /** Edge weights, ascending in `std::sort`'s order. */
  readonly weights: Float32Array;
  /** Per sorted edge: pixel · 4 + direction (up, left, down, right). */
  readonly edgeIds: Int32Array;
}

/** The blurred image's 4-connected graph, its edges sorted (shared by every k on one image). */
export function buildOpenCvGraph(image: InterleavedImage, sigma: number): OpenCvGraph {
  const { width, height, channels } = image;
  const n = width * height;
  const input = new Float32Array(n * channels);
  for (let i = 0; i < input.length; i++) input[i] = image.data[i]!;
  const smooth = gaussianBlurOpenCv(input, width, height, channels, sigma <= 0 ? 0.001 : sigma);
  const native = proposalKernels();
  if (native !== undefined) {
    return { width, height, ...native.openCvGraphEdges(smooth, width, height, channels) };
  }
  const fround = Math.fround;

  const maxEdges = n * 4;
  const weights = new Float32Array(maxEdges);
  const ids = new Int32Array(maxEdges);
  const dy = [-1, 0, 1, 0];
  const dx = [0, -1, 0, 1];
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      for (let d = 0; d < 4; d++) {
        const y2 = y + dy[d]!;
        const x2 = x + dx[d]!;
        if (y2 < 0 || y2 >= height || x2 < 0 || x2 >= width) continue;
        const q = y2 * width + x2;
        let total = 0;
        for (let c = 0; c < channels; c++) {
          const diff = fround(smooth[p * channels + c]! - smooth[q * channels + c]!);
          total = fround(total + fround(diff * diff));
        }
        weights[count] = fround(Math.sqrt(total));
        ids[count] = p * 4 + d;
        count++;
      }
    }
  }
  const sortedWeights = weights.slice(0, count);
  const edgeIds = ids.slice(0, count);
  stdSort(sortedWeights, edgeIds);
  return { width, height, weights: sortedWeights, edgeIds };
}

/** Step 3's merging and step 4 for one k on a graph from {@link buildOpenCvGraph}. */
export function segmentOpenCvGraph(graph: OpenCvGraph, k: number, minSize: number): LabelMask {
  const { width, height, edgeIds } = graph;
  const native = proposalKernels();
  if (native !== undefined) {
    const roots = native.openCvGraphSegment(graph.weights, edgeIds, width, height, k, minSize);
    return labelsFromRoots(roots, width, height).mask;
  }
  const n = width * height;
  const count = edgeIds.length;
  const keys = graph.weights.slice();
  const kf = Math.fround(k);
  const fround = Math.fround;
  const neighbourOffset = [-width, -1, width, 1];
  const sets = new DisjointSet(n);
  const thresholds = new Float32Array(n).fill(kf);
  for (let i = 0; i < count; i++) {
    const id = edgeIds[i]!;
    const p = id >> 2;
    const a = sets.find(p);
    const b = sets.find(p + neighbourOffset[id & 3]!);
    if (a === b) continue;
    const w = keys[i]!;
    if (w <= thresholds[a]! && w <= thresholds[b]!) {
      const root = sets.union(a, b);
      thresholds[root] = fround(w + fround(kf / sets.size[root]!));
      keys[i] = 0;
    }
  }
  for (let i = 0; i < count; i++) {
    if (!(keys[i]! > 0)) continue;
    const id = edgeIds[i]!;
    const p = id >> 2;
    const a = sets.find(p);
    const b = sets.find(p + neighbourOffset[id & 3]!);
    if (a !== b && (sets.size[a]! < minSize || sets.size[b]! < minSize)) sets.union(a, b);
  }
  return labelsFromRoots(sets.roots(), width, height).mask;
}
