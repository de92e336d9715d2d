import * as tf from '@tensorflow/tfjs-core';

/** One RoI ready for pooling: which map and image, and its per-axis weights (see roiWeights). */
export interface PlannedRoi {
  readonly level: number;
  readonly batch: number;
  /** `[outH, H]` row-major. */
  readonly rows: Float32Array;
  /** `[outW, W]` row-major. */
  readonly cols: Float32Array;
}

/** A `[pooled, extent]` weight matrix in compressed sparse rows (each bin reads a few rows). */
interface SparseAxis {
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly value: Float32Array;
}

function sparse(weights: Float32Array, pooled: number, extent: number): SparseAxis {
  const start = new Int32Array(pooled + 1);
  const index: number[] = [];
  const value: number[] = [];
  for (let p = 0; p < pooled; p++) {
    for (let v = 0; v < extent; v++) {
      const w = weights[p * extent + v]!;
      if (w !== 0) {
        index.push(v);
        value.push(w);
      }
    }
    start[p + 1] = index.length;
  }
  return { start, index: Int32Array.from(index), value: Float32Array.from(value) };
}

/**
 * Visits every (output element, input element, weight) triple of the pooling, channel vectors
 * at a time: `visit(outOffset, level, inOffset, weight)` for `out[r, i, j, :] += weight ·
 * map[level][b, y, x, :]`.
 */
function forEachTap(
  maps: readonly tf.Tensor4D[],
  rois: readonly PlannedRoi[],
  pooledHeight: number,
  pooledWidth: number,
  channels: number,
  visit: (outOffset: number, level: number, inOffset: number, weight: number) => void,
): void {
  rois.forEach((roi, r) => {
    const [, height, width] = maps[roi.level]!.shape;
    const rows = sparse(roi.rows, pooledHeight, height);
    const cols = sparse(roi.cols, pooledWidth, width);
    const imageBase = roi.batch * height * width;
    for (let i = 0; i < pooledHeight; i++) {
      for (let a = rows.start[i]!; a < rows.start[i + 1]!; a++) {
        const y = rows.index[a]!;
        const wy = rows.value[a]!;
        for (let j = 0; j < pooledWidth; j++) {
          const outOffset = ((r * pooledHeight + i) * pooledWidth + j) * channels;
          for (let b = cols.start[j]!; b < cols.start[j + 1]!; b++) {
            visit(
              outOffset,
              roi.level,
              (imageBase + y * width + cols.index[b]!) * channels,
              wy * cols.value[b]!,
            );
          }
        }
      }
    }
  });
}

/**
 * Pools planned RoIs from NHWC maps: `out[r, i, j] = Σ_y Σ_x Ay[i, y] · Ax[j, x] · F[b, y, x]`,
 * visiting only the non-zero weights (each bin reads about `(grid + 1)²` pixels).
 *
 * tfjs's `cropAndResize` has no gradient, and a gather of bilinear taps costs memory in
 * proportion to RoI size, so this is a `tf.customGrad` whose forward and backward (the
 * transposed scatter-add into `dF`) are the same sparse loop in JavaScript. It reads the maps
 * with `dataSync()`: free on the `cpu` backend, a download on GPU backends.
 *
 * @returns `[R, outH, outW, C]` in the order of `rois`.
 */
export function poolRois(
  maps: readonly tf.Tensor4D[],
  rois: readonly PlannedRoi[],
  pooledHeight: number,
  pooledWidth: number,
): tf.Tensor4D {
  const channels = maps[0]!.shape[3];
  const pool = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const tensors = inputs.slice(0, maps.length) as tf.Tensor4D[];
    const data = tensors.map((map) => map.dataSync() as Float32Array);
    const out = new Float32Array(rois.length * pooledHeight * pooledWidth * channels);
    forEachTap(
      tensors,
      rois,
      pooledHeight,
      pooledWidth,
      channels,
      (outOffset, level, inOffset, weight) => {
        const source = data[level]!;
        for (let c = 0; c < channels; c++) out[outOffset + c]! += weight * source[inOffset + c]!;
      },
    );
    return {
      value: tf.tensor4d(out, [rois.length, pooledHeight, pooledWidth, channels]),
      gradFunc: (dy: tf.Tensor) => {
        const upstream = dy.dataSync() as Float32Array;
        const grads = tensors.map((map) => new Float32Array(map.size));
        forEachTap(
          tensors,
          rois,
          pooledHeight,
          pooledWidth,
          channels,
          (outOffset, level, inOffset, weight) => {
            const target = grads[level]!;
            for (let c = 0; c < channels; c++)
              target[inOffset + c]! += weight * upstream[outOffset + c]!;
          },
        );
        return grads.map((grad, level) => tf.tensor(grad, tensors[level]!.shape));
      },
    };
  });
  return pool(...maps) as tf.Tensor4D;
}
