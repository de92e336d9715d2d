import { SsdetError } from '@ssdet/core';
import { bilinearResizeMatrix, upsampleBilinear } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { PixelPairs } from './regions/overlap.js';

/** The `fcs_2` maps of one view (NHWC over C5's grid). */
export interface DistillationMaps {
  readonly bottleneck: tf.Tensor4D;
  readonly logits: tf.Tensor4D;
}

/**
 * `[pixels.length, h·w]`: row m holds the bilinear weights (`F.interpolate`, align_corners False)
 * with which pixel `pixels[m]` of the `size × size` upsampled map reads the `h × w` map.
 */
function upsamplingRows(pixels: Int32Array, size: number, h: number, w: number): Float32Array {
  const rows = bilinearResizeMatrix(h, size);
  const columns = bilinearResizeMatrix(w, size);
  const out = new Float32Array(pixels.length * h * w);
  pixels.forEach((pixel, m) => {
    const [y, x] = [Math.floor(pixel / size), pixel % size];
    for (let i = 0; i < h; i++) {
      const wy = rows[y * h + i]!;
      if (wy === 0) continue;
      for (let j = 0; j < w; j++) out[(m * h + i) * w + j] = wy * columns[x * w + j]!;
    }
  });
  return out;
}

/**
 * The rows L_ts compares (official `Memory_Loss.forward`, point mode): every `fcs_2` map is
 * upsampled bilinearly to the `size × size` region grid (official `F.interpolate`, align_corners
 * False); for each overlapping pair (query pixel i, extra-view pixel j) of image b,
 *
 *     s = [ q_b,i · K_bᵀ / scale ‖ ℓ^q_b,i ],   t = [ e_b,j · K_bᵀ / scale ‖ ℓ^e_b,j ]
 *
 * with q, e the query's and the extra view's bottlenecks, K_b the key view's `size²` bottlenecks
 * (L1-normalised by the momentum encoder), ℓ the prototype logits and scale = 128.
 *
 * Upsampling is linear, so a row is computed as its bilinear weights over the C5 grid times the
 * C5-grid rows `[q · K_bᵀ / scale ‖ ℓ^q]`: the same values without materialising the upsampled
 * query maps or joining `[pairs, S² + K]` matrices column-wise, and a gradient made of matrix
 * products only.
 *
 * The rows come as one block per image with pairs (in image order), never joined: L_ts and the
 * centre take the blocks as they are, so the step neither copies `[pairs, S² + K]` rows into one
 * matrix nor splits its gradient again (1.26 GB each at the paper's size).
 *
 * @param pairs per image, the overlapping pixels of the query and the extra view.
 */
export function distillationRows(
  query: DistillationMaps,
  extra: DistillationMaps,
  keyBottleneck: tf.Tensor4D,
  pairs: readonly PixelPairs[],
  options: { readonly size: number; readonly affinityScale: number },
): { readonly student: readonly tf.Tensor2D[]; readonly teacher: readonly tf.Tensor2D[] } {
  const [b, h, w] = query.bottleneck.shape;
  if (pairs.length !== b) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `distillationRows expects the pixel pairs of ${b} images; got ${pairs.length}.`,
    );
  }
  const { size, affinityScale } = options;
  const cells = size * size;
  return tf.tidy(() => {
    const keys = tf.reshape(upsampleBilinear(keyBottleneck, size, size), [
      b,
      cells,
      keyBottleneck.shape[3],
    ]);
    const rows = (maps: DistillationMaps, side: 'query' | 'key'): tf.Tensor2D[] => {
      const [dBottleneck, dLogits] = [maps.bottleneck.shape[3], maps.logits.shape[3]];
      const parts: tf.Tensor2D[] = [];
      pairs.forEach((pair, image) => {
        const pixels = pair[side];
        if (pixels.length === 0) return;
        const weights = tf.tensor2d(upsamplingRows(pixels, size, h, w), [pixels.length, h * w]);
        const map = (x: tf.Tensor4D, depth: number): tf.Tensor2D =>
          tf.reshape(tf.slice(x, [image, 0, 0, 0], [1, -1, -1, -1]), [h * w, depth]);
        const key = tf.reshape(tf.slice(keys, [image, 0, 0], [1, -1, -1]), [cells, -1]);
        // [h·w, S² + K]: the C5 grid's rows, joined before the upsampling product so that the
        // large [pairs, S² + K] rows come out of one matMul instead of a concat.
        const gridRows = tf.concat(
          [
            tf.div(tf.matMul(map(maps.bottleneck, dBottleneck), key, false, true), affinityScale),
            map(maps.logits, dLogits),
          ],
          1,
        );
        parts.push(tf.matMul(weights, gridRows));
      });
      return parts;
    };
    return { student: rows(query, 'query'), teacher: rows(extra, 'key') };
  });
}
