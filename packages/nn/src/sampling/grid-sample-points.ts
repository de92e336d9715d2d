import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

export interface GridSamplePointsOptions {
  /**
   * PyTorch's `align_corners`. False (default, PyTorch's since 1.3): −1 and 1 are the outer edges
   * of the corner pixels; true: their centres.
   */
  readonly alignCorners?: boolean;
}

/**
 * The bilinear weights with which PyTorch's `F.grid_sample(input, grid, mode='bilinear',
 * padding_mode='zeros')` reads `points` normalised to [−1, 1] (`x` across, `y` down) from an
 * `height × width` map: `[P, height·width]`, row-major over the map. A corner outside the map
 * contributes nothing (zero padding), so a point half a pixel past the edge gets half its value.
 *
 * @param points `[P·2]` as `x, y` pairs.
 */
export function gridSampleWeights(
  points: Float32Array | readonly number[],
  height: number,
  width: number,
  options: GridSamplePointsOptions = {},
): Float32Array {
  if (points.length % 2 !== 0) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `gridSampleWeights expects x, y pairs; got ${points.length} numbers.`,
    );
  }
  const count = points.length / 2;
  const cells = height * width;
  const weights = new Float32Array(count * cells);
  const unnormalize = (value: number, size: number): number =>
    options.alignCorners === true ? ((value + 1) / 2) * (size - 1) : ((value + 1) * size - 1) / 2;
  for (let p = 0; p < count; p++) {
    const x = unnormalize(points[2 * p]!, width);
    const y = unnormalize(points[2 * p + 1]!, height);
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const corners = [
      [x0, y0, (1 - fx) * (1 - fy)],
      [x0 + 1, y0, fx * (1 - fy)],
      [x0, y0 + 1, (1 - fx) * fy],
      [x0 + 1, y0 + 1, fx * fy],
    ] as const;
    for (const [cx, cy, weight] of corners) {
      if (cx < 0 || cy < 0 || cx >= width || cy >= height || weight === 0) continue;
      const at = p * cells + cy * width + cx;
      weights[at] = weights[at]! + weight;
    }
  }
  return weights;
}

/**
 * Features at points by bilinear interpolation, PyTorch's `F.grid_sample` (bilinear, zero padding)
 * on a `[B, P, 1]` grid: `[B, h, w, C]` maps and per image P points normalised to [−1, 1] →
 * `[B, P, C]`. The points are data (no gradient); the gradient reaches the maps through one batched
 * matrix product with the weights of {@link gridSampleWeights}.
 *
 * @param points `[B·P·2]`, image by image, `x, y` pairs.
 */
export function gridSamplePoints(
  features: tf.Tensor4D,
  points: Float32Array | readonly number[],
  options: GridSamplePointsOptions = {},
): tf.Tensor3D {
  const [b, h, w, c] = features.shape;
  if (features.rank !== 4 || points.length % (2 * b) !== 0) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `gridSamplePoints expects maps [B, h, w, C] and B·P x, y pairs; got maps [${features.shape.join(', ')}] and ${points.length} numbers.`,
    );
  }
  const count = points.length / (2 * b);
  const weights = gridSampleWeights(points, h, w, options);
  return tf.tidy(
    () =>
      tf.matMul(
        tf.tensor3d(weights, [b, count, h * w]),
        tf.reshape(features, [b, h * w, c]),
      ) as tf.Tensor3D,
  );
}
