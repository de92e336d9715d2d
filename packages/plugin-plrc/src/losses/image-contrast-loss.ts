import { SsdetError, type Loss } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Which logit each row of L_img's cross-entropy targets. `paper`: the positive, at index 0 of every
 * row (MoCo's InfoNCE, which the paper's L_img is). `official`: index i for row i, as the official
 * `NCEAverage` passes `arange(B)` as targets over logits laid out `[positive | queue]` — only row 0
 * targets its positive, row i > 0 targets queue entry i − 1.
 */
export type ImageContrastTargets = 'paper' | 'official';

/** What {@link ImageContrastLoss} compares. */
export interface ImageContrastInputs {
  /** `[B, D]` the query view's image embedding: the spatial mean of its per-pixel `fcs` map. */
  readonly queries: tf.Tensor2D;
  /** `[B, D]` the key view's image embedding from the momentum encoder (no gradient). */
  readonly keys: tf.Tensor2D;
  /** `[K, D]` the queue of earlier keys. */
  readonly queue: tf.Tensor2D;
}

/**
 * PLRC's image-level loss L_img (Bai et al., CVPR 2022, §3.1; official `NCEAverage`): MoCo's
 * InfoNCE between the query and key views' image embeddings, the queue holding the negatives,
 *
 *     L_img = −(1/B) Σ_i log( exp(q̂_i·k̂_i/τ) / (exp(q̂_i·k̂_i/τ) + Σ_j exp(q̂_i·n_j/τ)) ),
 *
 * q̂, k̂ L2-normalised here (the official normalises inside the loss), τ = 0.2. With
 * `targets: 'official'` row i takes logit i as its target instead (see {@link ImageContrastTargets}).
 */
export function imageContrastLoss(
  inputs: ImageContrastInputs,
  temperature: number,
  targets: ImageContrastTargets = 'paper',
): tf.Scalar {
  const { queries, keys, queue } = inputs;
  const [b, d] = queries.shape;
  if (
    queries.rank !== 2 ||
    !tf.util.arraysEqual(keys.shape, queries.shape) ||
    queue.rank !== 2 ||
    queue.shape[1] !== d
  ) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `L_img expects queries [B, D], keys [B, D] and a queue [K, D]; got [${queries.shape.join(', ')}], [${keys.shape.join(', ')}], [${queue.shape.join(', ')}].`,
    );
  }
  if (targets === 'official' && b > queue.shape[0] + 1) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `L_img with the official arange(B) targets needs B ≤ K + 1 logits per row; got B = ${b}, K = ${queue.shape[0]}.`,
    );
  }
  return tf.tidy(() => {
    const q = l2Normalize(queries, 1);
    const k = l2Normalize(keys, 1);
    const positive = tf.sum(tf.mul(q, k), 1, true);
    const logits = tf.div(tf.concat([positive, tf.matMul(q, queue, false, true)], 1), temperature);
    const target =
      targets === 'paper'
        ? tf.reshape(tf.slice(logits, [0, 0], [b, 1]), [b])
        : tf.sum(tf.mul(logits, tf.oneHot(tf.range(0, b, 1, 'int32'), logits.shape[1]!)), 1);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), target));
  });
}

/** L_img as a {@link Loss}: name `image`, weight the paper's λ_img (0.7). */
export class ImageContrastLoss implements Loss<ImageContrastInputs> {
  readonly name = 'image';

  constructor(
    readonly temperature: number,
    readonly weight: number,
    readonly targets: ImageContrastTargets = 'paper',
  ) {}

  compute(inputs: ImageContrastInputs): tf.Scalar {
    return imageContrastLoss(inputs, this.temperature, this.targets);
  }
}
