import { optionalAddonPart } from './optional-addon-part.js';

/**
 * The region-proposal kernels of `@ssdet/proposals` in C++: plain functions on typed arrays,
 * single-threaded (the regions job runs one image per worker), each giving exactly the output of
 * its TypeScript twin in `@ssdet/proposals`.
 */
export interface NativeProposalKernels {
  /** libstdc++'s `std::sort` of (key, payload) pairs by key, in place. */
  stdSortFloat32(keys: Float32Array, payload: Int32Array): void;
  stdSortFloat64(keys: Float64Array, payload: Int32Array): void;
  /** OpenCV's float32 `GaussianBlur` with the separable `kernel` (rows with FMAs, then columns). */
  gaussianBlur(
    image: Float32Array,
    width: number,
    height: number,
    channels: number,
    kernel: Float32Array,
  ): Float32Array;
  /** OpenCV graph segmentation's 4-connected graph, sorted: weights and pixel · 4 + direction. */
  openCvGraphEdges(
    smooth: Float32Array,
    width: number,
    height: number,
    channels: number,
  ): { readonly weights: Float32Array; readonly edgeIds: Int32Array };
  /** Merging (threshold k) and small-segment joining on a sorted graph: each pixel's root. */
  openCvGraphSegment(
    weights: Float32Array,
    edgeIds: Int32Array,
    width: number,
    height: number,
    k: number,
    minSize: number,
  ): Int32Array;
  /**
   * EdgeBoxes' box search; `options` in the order alpha, beta, eta, minScore, maxBoxes,
   * edgeMinMag, edgeMergeThr, clusterMinMag, maxAspectRatio, minBoxArea, gamma, kappa.
   */
  edgeBoxes(
    edges: Float32Array,
    orientation: Float32Array,
    width: number,
    height: number,
    options: Float64Array,
  ): { readonly boxes: Float32Array; readonly scores: Float32Array };
}

/** The addon's raw exports for the kernels above. */
interface ProposalAddon {
  proposalsStdSortFloat32?: (keys: Float32Array, payload: Int32Array) => void;
  proposalsStdSortFloat64: (keys: Float64Array, payload: Int32Array) => void;
  proposalsGaussianBlur: NativeProposalKernels['gaussianBlur'];
  proposalsOpenCvGraphEdges: (
    smooth: Float32Array,
    width: number,
    height: number,
    channels: number,
  ) => [Float32Array, Int32Array];
  proposalsOpenCvGraphSegment: NativeProposalKernels['openCvGraphSegment'];
  proposalsEdgeBoxes: (
    edges: Float32Array,
    orientation: Float32Array,
    width: number,
    height: number,
    options: Float64Array,
  ) => [Float32Array, Float32Array];
}

const loadProposalKernels = optionalAddonPart(
  (addon: ProposalAddon): NativeProposalKernels | undefined => {
    const sortFloat32 = addon.proposalsStdSortFloat32;
    if (sortFloat32 === undefined) return undefined;
    return {
      stdSortFloat32: sortFloat32,
      stdSortFloat64: addon.proposalsStdSortFloat64,
      gaussianBlur: addon.proposalsGaussianBlur,
      openCvGraphEdges(smooth, width, height, channels) {
        const [weights, edgeIds] = addon.proposalsOpenCvGraphEdges(smooth, width, height, channels);
        return { weights, edgeIds };
      },
      openCvGraphSegment: addon.proposalsOpenCvGraphSegment,
      edgeBoxes(edges, orientation, width, height, options) {
        const [boxes, scores] = addon.proposalsEdgeBoxes(
          edges,
          orientation,
          width,
          height,
          options,
        );
        return { boxes, scores };
      },
    };
  },
);

/**
 * The proposal kernels, or undefined when the addon is not built, fails to load (no oneDNN) or
 * predates them. Loading does not register the tfjs backend.
 */
export function nativeProposalKernels(): NativeProposalKernels | undefined {
  return loadProposalKernels();
}
