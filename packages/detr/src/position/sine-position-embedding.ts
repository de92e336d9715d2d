import * as tf from '@tensorflow/tfjs-core';

export interface SinePositionEmbeddingOptions {
  /** Features per axis; the embedding has 2·numPosFeats channels (DETR: d_model / 2 = 128). */
  readonly numPosFeats?: number;
  /** Default 10000. */
  readonly temperature?: number;
  /** Divide the cumulative positions by the valid extent (DETR: true). */
  readonly normalize?: boolean;
  /** Default 2π (only with normalize). */
  readonly scale?: number;
  /**
   * Added to the cumulative position before normalising: 0 in DETR, −0.5 in Deformable DETR
   * (pixel centres).
   */
  readonly offset?: number;
}

/**
 * The sine positional encoding of DETR (`models/position_encoding.py`, `PositionEmbeddingSine`),
 * a 2-D generalisation of Vaswani et al.'s: with y, x the running count of valid pixels down and
 * across (the pixel mask's cumulative sums, so padding does not shift positions),
 * ŷ = (y + offset) / (y_last + ε) · scale (likewise x̂) when normalising, and for k < numPosFeats/2
 * PE[2k] = sin(p / T^{2k/F}), PE[2k+1] = cos(p / T^{2k/F}), channels `[PE(ŷ), PE(x̂)]`.
 *
 * Input: `[B, H, W]` pixel mask, 1 where the pixel is image, 0 where it is padding (the core's
 * `BatchedView.pixelMask` convention — DETR's `mask` is its negation). Output `[B, H, W, 2F]`.
 */
export function sinePositionEmbedding(
  pixelMask: tf.Tensor3D,
  options: SinePositionEmbeddingOptions = {},
): tf.Tensor4D {
  const numPosFeats = options.numPosFeats ?? 128;
  const temperature = options.temperature ?? 10000;
  const normalize = options.normalize ?? true;
  const scale = options.scale ?? 2 * Math.PI;
  const offset = options.offset ?? 0;
  const eps = 1e-6;
  return tf.tidy(() => {
    const valid = tf.cast(pixelMask, 'float32');
    const [, height, width] = valid.shape;
    let yEmbed: tf.Tensor = tf.cumsum(valid, 1);
    let xEmbed: tf.Tensor = tf.cumsum(valid, 2);
    if (normalize) {
      const yLast = tf.slice(yEmbed, [0, height - 1, 0], [-1, 1, -1]);
      const xLast = tf.slice(xEmbed, [0, 0, width - 1], [-1, -1, 1]);
      yEmbed = tf.mul(tf.div(tf.add(yEmbed, offset), tf.add(yLast, eps)), scale);
      xEmbed = tf.mul(tf.div(tf.add(xEmbed, offset), tf.add(xLast, eps)), scale);
    }
    const inverseFrequencies = new Float32Array(numPosFeats);
    for (let i = 0; i < numPosFeats; i++) {
      inverseFrequencies[i] = 1 / temperature ** ((2 * Math.floor(i / 2)) / numPosFeats);
    }
    const frequencies = tf.tensor1d(inverseFrequencies);
    const isSine = tf.tensor1d(
      Array.from({ length: numPosFeats }, (_, i) => (i % 2 === 0 ? 1 : 0)),
      'float32',
    );
    const encode = (embed: tf.Tensor): tf.Tensor => {
      const phase = tf.mul(tf.expandDims(embed, 3), frequencies);
      return tf.add(tf.mul(tf.sin(phase), isSine), tf.mul(tf.cos(phase), tf.sub(1, isSine)));
    };
    return tf.concat([encode(yEmbed), encode(xEmbed)], 3) as tf.Tensor4D;
  });
}
