import type { Loss } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { contrastiveDetection } from './contrastive-detection.js';

/** What {@link DetconBLoss} compares: per view, the mask vectors of both networks and their ids. */
export interface DetconBInputs {
  /** `[B, K, D]` q(g(h)) of the online network for the K sampled masks of each image, per view. */
  readonly predictions: readonly [tf.Tensor3D, tf.Tensor3D];
  /** `[B, K, D]` g′(h′) of the target network for the same masks (no gradient), per view. */
  readonly targets: readonly [tf.Tensor3D, tf.Tensor3D];
  /** `[B][K]` the sampled mask ids, per view (online and target use the same draw). */
  readonly maskIds: readonly [readonly Int32Array[], readonly Int32Array[]];
}

/**
 * DetCon-B's loss (Hénaff et al., ICCV 2021, §3.1–3.2; official `byol_nce_detcon`): the online
 * network's predictions of each view's mask vectors contrast against the target network's
 * projections of both views — positives the same mask of the same image in the other view,
 * negatives every other mask of the batch —
 *
 *     L = L(p¹ → t², t¹) + L(p² → t¹, t²)
 *
 * with temperature τ (0.1), each direction weighted per slot by 1[has positive] / #copies of its
 * mask ({@link contrastiveDetection} has the full formula).
 */
export class DetconBLoss implements Loss<DetconBInputs> {
  readonly name = 'detcon';

  constructor(
    readonly temperature: number,
    readonly weight: number = 1,
  ) {}

  compute({ predictions, targets, maskIds }: DetconBInputs): tf.Scalar {
    return contrastiveDetection({
      predictions,
      targets,
      predictionIds: maskIds,
      targetIds: maskIds,
      temperature: this.temperature,
    });
  }
}
