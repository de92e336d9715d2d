import type { Loss } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { contrastiveDetection } from './contrastive-detection.js';

/** What {@link DetconSLoss} compares: per view, the projected mask vectors and their ids. */
export interface DetconSInputs {
  /** `[B, K, D]` v = g(h) of the one network for the K sampled masks of each image, per view. */
  readonly projections: readonly [tf.Tensor3D, tf.Tensor3D];
  /** `[B][K]` the sampled mask ids, per view. */
  readonly maskIds: readonly [readonly Int32Array[], readonly Int32Array[]];
}

/**
 * DetCon-S's loss (Hénaff et al., ICCV 2021, §3.1–3.2: SimCLR's framework with the contrastive
 * detection objective; lightly's `DetConSLoss`): both views go through the same network, and each
 * view's mask vectors contrast against both views' —
 *
 *     L = L(v¹ → v², v¹) + L(v² → v¹, v²)
 *
 * — {@link contrastiveDetection} with the projections as predictions and as targets, so the
 * gradient flows through both sides of every logit. A mask vector never meets itself or its own
 * mask's copies (the −10⁹ same-view entries); positives are the same mask in the other view.
 */
export class DetconSLoss implements Loss<DetconSInputs> {
  readonly name = 'detcon';

  constructor(
    readonly temperature: number,
    readonly weight: number = 1,
  ) {}

  compute({ projections, maskIds }: DetconSInputs): tf.Scalar {
    return contrastiveDetection({
      predictions: projections,
      targets: projections,
      predictionIds: maskIds,
      targetIds: maskIds,
      temperature: this.temperature,
    });
  }
}
