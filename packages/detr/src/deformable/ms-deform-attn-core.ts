import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '@ssdet/core';
import { msDeformAttnByGather } from './ms-deform-attn-gather.js';
import { MS_DEFORM_ATTN, fusedDeformableSamplingAvailable } from './ms-deform-attn-kernel.js';
import { assertFlattenedLength, type SpatialShapes } from './spatial-shapes.js';

/**
 * The core of multi-scale deformable attention (Zhu et al., "Deformable DETR", ICLR 2021, eq. 3):
 *   out(q, m) = Σ_l Σ_p A_{qmlp} · V_{ml}(φ_l(p̂_{qmlp})),
 * with V_{ml} head m's values on level l sampled bilinearly at the normalised location p̂
 * ((0, 0) top-left, (1, 1) bottom-right corner). Equal to Deformable DETR's pure-PyTorch
 * `ms_deform_attn_core_pytorch`, i.e. `grid_sample(…, mode='bilinear', padding_mode='zeros',
 * align_corners=False)`: pixel coordinates x = p̂ₓ·W − ½, y = p̂ᵧ·H − ½, and a corner outside
 * the map contributes zero. Differentiable with respect to all three tensor inputs.
 *
 * On host-memory backends (`cpu`, `native`) this is one kernel with a hand-written gradient,
 * like the official CUDA `MSDeformAttnFunction`, whose memory is that of its inputs and output;
 * elsewhere it is composed of tfjs ops ({@link msDeformAttnByGather}).
 *
 * @param value `[B, S, M, D_h]` values per head, levels flattened in `spatialShapes` order.
 * @param samplingLocations `[B, Lq, M, L, P, 2]` normalised (x, y).
 * @param attentionWeights `[B, Lq, M, L, P]` (softmaxed over L·P by the caller).
 * @returns `[B, Lq, M·D_h]`.
 */
export function msDeformAttnCore(
  value: tf.Tensor4D,
  spatialShapes: SpatialShapes,
  samplingLocations: tf.Tensor,
  attentionWeights: tf.Tensor,
): tf.Tensor3D {
  const [batch, length, heads] = value.shape;
  assertFlattenedLength(spatialShapes, length, 'msDeformAttnCore value');
  const expected = [batch, -1, heads, spatialShapes.length, -1];
  const matches = (shape: readonly number[], rank: number): boolean =>
    shape.length === rank && expected.every((size, axis) => size === -1 || shape[axis] === size);
  if (
    !matches(samplingLocations.shape, 6) ||
    samplingLocations.shape[5] !== 2 ||
    !matches(attentionWeights.shape, 5) ||
    attentionWeights.shape.some((size, axis) => size !== samplingLocations.shape[axis])
  ) {
    throw new SsdetError(
      'DETR_SAMPLING_SHAPE',
      `msDeformAttnCore: for value [${value.shape.join(', ')}] and ${spatialShapes.length} levels, samplingLocations must be [${batch}, Lq, ${heads}, ${spatialShapes.length}, P, 2] and attentionWeights [${batch}, Lq, ${heads}, ${spatialShapes.length}, P]; got [${samplingLocations.shape.join(', ')}] and [${attentionWeights.shape.join(', ')}].`,
    );
  }
  if (!fusedDeformableSamplingAvailable()) {
    return msDeformAttnByGather(value, spatialShapes, samplingLocations, attentionWeights);
  }
  return tf
    .engine()
    .runKernel(
      MS_DEFORM_ATTN,
      { value, samplingLocations, attentionWeights },
      { spatialShapes: spatialShapes.flat() },
    ) as tf.Tensor3D;
}
