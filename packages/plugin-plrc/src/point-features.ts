import { SsdetError } from '@ssdet/core';
import { gridSamplePoints, l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** How mask points become grid_sample coordinates. */
export type PointAxes = 'image' | 'official';

/**
 * Mask points `(row, column)` of a `size × size` region mask → grid_sample's normalised `(x, y)`:
 * `v / (size − 1) · 2 − 1` (official builder). `image` puts the column on x and the row on y.
 * `official` passes `(row, column)` as `(x, y)`, as the official code does (it stacks
 * `np.nonzero`'s rows first), which samples the transposed position of the map.
 */
export function pointGrid(points: Int32Array, size: number, axes: PointAxes): Float32Array {
  const grid = new Float32Array(points.length);
  const scale = 2 / Math.max(size - 1, 1);
  for (let i = 0; i < points.length; i += 2) {
    const [row, column] = [points[i]!, points[i + 1]!];
    const [x, y] = axes === 'image' ? [column, row] : [row, column];
    grid[i] = x * scale - 1;
    grid[i + 1] = y * scale - 1;
  }
  return grid;
}

/** The query and key points of the shared region, as L_point compares them. */
export interface SharedRegionPoints {
  /** `[B, keep, C]` the query's first `keep` points. */
  readonly query: tf.Tensor3D;
  /** `[B, keep, C]` the key's points after the argmax reordering, first `keep`. */
  readonly key: tf.Tensor3D;
}

/**
 * The point features of L_point (official `PLRC.forward`): both views' `fcs` maps read bilinearly
 * (`grid_sample`, align_corners False) at the P points of the shared region; each key point i is
 * replaced by the key point whose index is that of the query point most similar to key point i
 * (cosine similarity, argmax over the query points); the first `keep` (16) of each are kept.
 *
 * @param queryPoints `[B, P, 2]` flattened (row, column) pairs of region 0 in the query's mask.
 * @param keyPoints the same for the key.
 */
export function sharedRegionPoints(
  queryMap: tf.Tensor4D,
  keyMap: tf.Tensor4D,
  queryPoints: Int32Array,
  keyPoints: Int32Array,
  options: { readonly size: number; readonly keep: number; readonly axes: PointAxes },
): SharedRegionPoints {
  const b = queryMap.shape[0];
  const p = queryPoints.length / (2 * b);
  if (!Number.isInteger(p) || keyPoints.length !== queryPoints.length || options.keep > p) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `sharedRegionPoints expects as many query as key points per image, at least keep = ${options.keep}; got ${queryPoints.length / 2} and ${keyPoints.length / 2} for ${b} images.`,
    );
  }
  const c = queryMap.shape[3];
  return tf.tidy(() => {
    const query = gridSamplePoints(queryMap, pointGrid(queryPoints, options.size, options.axes));
    const key = gridSamplePoints(keyMap, pointGrid(keyPoints, options.size, options.axes));
    const similarity = tf.matMul(l2Normalize(key, 2), l2Normalize(query, 2), false, true);
    const best = tf.argMax(similarity, 2).dataSync();
    const rows = Int32Array.from(best, (index, i) => Math.floor(i / p) * p + index);
    const reordered = tf.reshape(tf.gather(tf.reshape(key, [b * p, c]), rows), [b, p, c]);
    return {
      query: tf.slice(query, [0, 0, 0], [b, options.keep, c]) as tf.Tensor3D,
      key: tf.slice(reordered, [0, 0, 0], [b, options.keep, c]) as tf.Tensor3D,
    };
  });
}
