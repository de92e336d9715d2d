/**
 * torchvision's RoIAlign is separable: the bilinear weight of a sample is a y-weight times an
 * x-weight, the sampling grid is a product of y and x positions, and a sample is dropped when
 * either coordinate is out of range. So bin `(i, j)` of a RoI equals `Σ_y Σ_x Ay[i, y] ·
 * Ax[j, x] · F[y, x]`, with one weight matrix per axis. This module builds those matrices.
 */

/** Geometry shared by every RoI of one call. */
export interface RoiAlignGeometry {
  readonly pooledHeight: number;
  readonly pooledWidth: number;
  /** > 0: that many samples per bin side; ≤ 0: `ceil(roiSize / pooledSize)` per RoI. */
  readonly samplingRatio: number;
  readonly aligned: boolean;
}

/** A feature map's extent and the factor that maps box coordinates onto it. */
export interface MapExtent {
  readonly height: number;
  readonly width: number;
  readonly spatialScale: number;
}

/**
 * Weights along one axis, `[pooled, extent]` row-major: `out[p, v]` is how much map row (or
 * column) `v` contributes to bin `p`, already divided by the grid size. Per torchvision's
 * kernel: sample `p, k` sits at `start + p·bin + (k + ½)·bin / grid`; a sample below −1 or
 * above `extent` contributes 0; otherwise a negative position clamps to 0, and at or past the
 * last row both neighbours are the last row.
 */
export function axisWeights(
  start: number,
  binSize: number,
  pooled: number,
  grid: number,
  extent: number,
): Float32Array {
  const out = new Float32Array(pooled * extent);
  for (let p = 0; p < pooled; p++) {
    for (let k = 0; k < grid; k++) {
      let v = start + p * binSize + ((k + 0.5) * binSize) / grid;
      if (v < -1 || v > extent) continue;
      if (v <= 0) v = 0;
      let low = Math.floor(v);
      let high: number;
      if (low >= extent - 1) {
        low = high = extent - 1;
        v = low;
      } else high = low + 1;
      const fraction = v - low;
      out[p * extent + low]! += (1 - fraction) / grid;
      out[p * extent + high]! += fraction / grid;
    }
  }
  return out;
}

/**
 * The two weight matrices of one RoI `[x1, y1, x2, y2]` (input-image coordinates), following
 * torchvision's `roi_align`: `offset = aligned ? ½ : 0`; the RoI on the map spans
 * `[x1·s − offset, x2·s − offset]` (and y alike); without `aligned` its size is at least 1;
 * the grid is `samplingRatio` or `ceil(size / pooled)` per axis; the divisor `max(gh·gw, 1)`
 * factorises into `gh · gw` (an empty grid pools 0 either way).
 */
export function roiWeights(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  map: MapExtent,
  geometry: RoiAlignGeometry,
): { rows: Float32Array; cols: Float32Array } {
  const { pooledHeight, pooledWidth, samplingRatio, aligned } = geometry;
  const offset = aligned ? 0.5 : 0;
  const startX = x1 * map.spatialScale - offset;
  const startY = y1 * map.spatialScale - offset;
  let roiWidth = x2 * map.spatialScale - offset - startX;
  let roiHeight = y2 * map.spatialScale - offset - startY;
  if (!aligned) {
    roiWidth = Math.max(roiWidth, 1);
    roiHeight = Math.max(roiHeight, 1);
  }
  const gridH = samplingRatio > 0 ? samplingRatio : Math.ceil(roiHeight / pooledHeight);
  const gridW = samplingRatio > 0 ? samplingRatio : Math.ceil(roiWidth / pooledWidth);
  return {
    rows: axisWeights(startY, roiHeight / pooledHeight, pooledHeight, gridH, map.height),
    cols: axisWeights(startX, roiWidth / pooledWidth, pooledWidth, gridW, map.width),
  };
}
