import { SsdetError, type Loss } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link PointContrastLoss} compares. */
export interface PointContrastInputs {
  /** `[B, P, C]` the query view's `fcs` features at P points of each image's shared region. */
  readonly queryPoints: tf.Tensor3D;
  /** `[B, P, C]` the key view's features at P points of the same region (momentum encoder). */
  readonly keyPoints: tf.Tensor3D;
  /**
   * Contrast each of this many equal, consecutive chunks of the batch on its own and average the
   * losses: the official loss runs on each GPU's images (8 × 32), so a point's negatives are the
   * other images of its GPU. Default 1 (the whole batch).
   */
  readonly groups?: number;
}

/**
 * PLRC's point-level region contrast L_point (Bai et al., CVPR 2022, §3.2; official `SupConLoss`
 * with `contrast_mode='all'`): the 2P points of an image's shared region, from both views, are one
 * class; the points of every other image are negatives. Over all N = 2PB L2-normalised points z,
 *
 *     L_point = −(τ/τ_b) · (1/N) Σ_a (1/|P(a)|) Σ_{p∈P(a)} log( exp(z_a·z_p/τ) / Σ_{c≠a} exp(z_a·z_c/τ) )
 *
 * with P(a) the other 2P − 1 points of a's image, τ = 0.2 and the base temperature τ_b = 0.07
 * (so the loss is scaled by 0.2/0.07). Gradients reach both inputs; in PLRC the keys come from the
 * momentum encoder and carry none.
 */
export function pointContrastLoss(
  inputs: PointContrastInputs,
  temperature: number,
  baseTemperature: number,
): tf.Scalar {
  const { queryPoints, keyPoints } = inputs;
  const groups = inputs.groups ?? 1;
  if (groups !== 1) {
    const b = queryPoints.shape[0];
    if (!Number.isInteger(groups) || groups < 1 || b % groups !== 0) {
      throw new SsdetError(
        'PLRC_BAD_INPUT',
        `L_point splits a batch of ${b} images into groups = ${groups} equal chunks; ${b} is not divisible by ${groups}.`,
      );
    }
    return tf.tidy(() => {
      const chunk = (x: tf.Tensor3D, g: number) =>
        tf.slice(x, [(g * b) / groups, 0, 0], [b / groups, -1, -1]);
      const losses = Array.from({ length: groups }, (_, g) =>
        pointContrastLoss(
          { queryPoints: chunk(queryPoints, g), keyPoints: chunk(keyPoints, g) },
          temperature,
          baseTemperature,
        ),
      );
      return tf.div(tf.addN(losses), groups) as tf.Scalar;
    });
  }
  if (queryPoints.rank !== 3 || !tf.util.arraysEqual(queryPoints.shape, keyPoints.shape)) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `L_point expects query and key points [B, P, C] of one shape; got [${queryPoints.shape.join(', ')}] and [${keyPoints.shape.join(', ')}].`,
    );
  }
  const [b, p, c] = queryPoints.shape;
  const perImage = 2 * p;
  const n = b * perImage;
  if (perImage < 2) {
    throw new SsdetError('PLRC_BAD_INPUT', 'L_point needs at least one point per view.');
  }
  // Rows image by image: [image 0: P queries, P keys | image 1: …].
  const positives = new Float32Array(n * n);
  const self = new Float32Array(n * n);
  for (let a = 0; a < n; a++) {
    const image = Math.floor(a / perImage);
    for (let j = image * perImage; j < (image + 1) * perImage; j++)
      if (j !== a) positives[a * n + j] = 1;
    self[a * n + a] = -1e9;
  }
  return tf.tidy(() => {
    const z = tf.reshape(l2Normalize(tf.concat([queryPoints, keyPoints], 1), 2), [
      n,
      c,
    ]) as tf.Tensor2D;
    const logits = tf.div(tf.matMul(z, z, false, true), temperature);
    // The self-similarity is left out of every denominator.
    const logDenominator = tf.logSumExp(tf.add(logits, tf.tensor2d(self, [n, n])), 1, true);
    const logProb = tf.sub(logits, logDenominator);
    const meanPositive = tf.div(
      tf.sum(tf.mul(logProb, tf.tensor2d(positives, [n, n])), 1),
      perImage - 1,
    );
    return tf.mul(tf.mean(meanPositive), -temperature / baseTemperature) as tf.Scalar;
  });
}

/** L_point as a {@link Loss}: name `point`, weight the paper's λ_point (0.3). */
export class PointContrastLoss implements Loss<PointContrastInputs> {
  readonly name = 'point';

  constructor(
    readonly temperature: number,
    readonly baseTemperature: number,
    readonly weight: number,
  ) {}

  compute(inputs: PointContrastInputs): tf.Scalar {
    return pointContrastLoss(inputs, this.temperature, this.baseTemperature);
  }
}
