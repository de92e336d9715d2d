import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The binary masks of sampled ids on a grid: `[B, K, cells]`, 1 where cell c of image b has the
 * k-th sampled id of that image (the rows of the official one-hot `binary_mask` picked by
 * `sample_masks`). Pure bookkeeping on the CPU; no gradient flows through masks.
 */
export function sampledMasks(
  gridIds: readonly Int32Array[],
  sampledIds: readonly Int32Array[],
): Float32Array {
  const cells = gridIds[0]?.length ?? 0;
  const k = sampledIds[0]?.length ?? 0;
  const out = new Float32Array(gridIds.length * k * cells);
  gridIds.forEach((grid, b) => {
    const ids = sampledIds[b]!;
    for (let m = 0; m < k; m++) {
      const base = (b * k + m) * cells;
      for (let c = 0; c < cells; c++) if (grid[c] === ids[m]) out[base + c] = 1;
    }
  });
  return out;
}

/**
 * Mask pooling (Hénaff et al., ICCV 2021, §3.1; official `run_detcon_b_forward_on_view`, lightly's
 * `pool_masked`): the mean feature vector under each mask,
 *
 *     h_{b,k} = Σ_c m_{b,k,c} · f_{b,c} / max(Σ_c m_{b,k,c}, 1)
 *
 * @param features `[B, h, w, C]` feature map (NHWC), e.g. a ResNet's C5.
 * @param masks `[B, K, h·w]` binary masks over the grid cells in row-major order.
 * @returns `[B, K, C]`; gradients flow to `features`.
 */
export function poolMasked(features: tf.Tensor4D, masks: tf.Tensor3D): tf.Tensor3D {
  const [b, h, w, c] = features.shape;
  if (masks.rank !== 3 || masks.shape[0] !== b || masks.shape[2] !== h * w) {
    throw new SsdetError(
      'DETCON_BAD_INPUT',
      `poolMasked expects masks [${b}, K, ${h * w}] for features [${features.shape.join(', ')}]; got [${masks.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const area = tf.maximum(tf.sum(masks, 2, true), 1);
    return tf.matMul(tf.div(masks, area), tf.reshape(features, [b, h * w, c])) as tf.Tensor3D;
  });
}
