import * as tf from '@tensorflow/tfjs-core';
import type { SpatialShapes } from './spatial-shapes.js';

/**
 * Each level's valid fraction of width and height, `[B, L, 2]` as (w, h) — Deformable DETR's
 * `get_valid_ratio`: valid rows are counted down the first column and valid columns along the
 * first row of the pixel mask (1 = image, 0 = padding; padding is bottom/right).
 */
export function validRatios(pixelMasks: readonly tf.Tensor3D[]): tf.Tensor3D {
  return tf.tidy(() => {
    const perLevel = pixelMasks.map((mask) => {
      const valid = tf.cast(mask, 'float32');
      const [, height, width] = valid.shape;
      const validHeight = tf.sum(tf.slice(valid, [0, 0, 0], [-1, -1, 1]), [1, 2]);
      const validWidth = tf.sum(tf.slice(valid, [0, 0, 0], [-1, 1, -1]), [1, 2]);
      return tf.stack([tf.div(validWidth, width), tf.div(validHeight, height)], 1);
    });
    return tf.stack(perLevel, 1) as tf.Tensor3D;
  });
}

/**
 * The encoder's reference points `[B, S, L, 2]`: every position's pixel centre
 * ((j + ½)/(r_w·W_l), (i + ½)/(r_h·H_l)) on its own level, normalised by that level's valid
 * extent, then multiplied by each level's valid ratios to address the same spot on every level
 * (`DeformableTransformerEncoder.get_reference_points`).
 */
export function encoderReferencePoints(
  spatialShapes: SpatialShapes,
  ratios: tf.Tensor3D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const perLevel = spatialShapes.map(([height, width], level) => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          xs.push(j + 0.5);
          ys.push(i + 0.5);
        }
      }
      const ratio = tf.slice(ratios, [0, level, 0], [-1, 1, -1]); // [B, 1, 2]
      const [ratioW, ratioH] = tf.unstack(ratio, 2) as [tf.Tensor, tf.Tensor]; // [B, 1]
      const x = tf.div(tf.tensor2d(xs, [1, xs.length]), tf.mul(ratioW, width));
      const y = tf.div(tf.tensor2d(ys, [1, ys.length]), tf.mul(ratioH, height));
      return tf.stack([x, y], 2); // [B, HW, 2]
    });
    const points = tf.concat(perLevel, 1); // [B, S, 2]
    return tf.mul(tf.expandDims(points, 2), tf.expandDims(ratios, 1)) as tf.Tensor4D;
  });
}

/**
 * Decoder reference points `[B, Q, 2]` or boxes `[B, Q, 4]` spread over the levels, `[B, Q, L, ·]`:
 * multiplied by each level's valid ratios, as `DeformableTransformerDecoder` does before every layer.
 */
export function referencePointsPerLevel(
  referencePoints: tf.Tensor3D,
  ratios: tf.Tensor3D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = referencePoints.shape[2] === 4 ? tf.concat([ratios, ratios], 2) : ratios;
    return tf.mul(tf.expandDims(referencePoints, 2), tf.expandDims(scale, 1)) as tf.Tensor4D;
  });
}
