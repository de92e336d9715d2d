import type { Loss } from '@ssdet/core';
import { normalizedRegressionLoss } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link RegressionLoss} compares, per view: the online predictions and the target projections. */
export interface RegressionInputs {
  /** `[N, D]` q₁, q₂: the online network's predictions of view 1 and view 2. */
  readonly predictions: readonly [tf.Tensor2D, tf.Tensor2D];
  /** `[N, D]` z′₁, z′₂: the target network's projections of view 1 and view 2 (no gradient). */
  readonly targets: readonly [tf.Tensor2D, tf.Tensor2D];
}

/**
 * BYOL's symmetrised loss (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020, eq. 2 and
 * §3.1): each view's prediction regresses the target's projection of the other view,
 *
 *     L = ℓ(q₁, z′₂) + ℓ(q₂, z′₁),   ℓ(q, z′) = (1/N) Σₙ ‖q̄ₙ − z̄′ₙ‖² = (1/N) Σₙ (2 − 2·⟨qₙ, z′ₙ⟩ / (‖qₙ‖·‖z′ₙ‖))
 *
 * in [0, 8]: 0 when every pair is aligned, 8 when every pair is opposite. ℓ is `@ssdet/nn`'s
 * {@link normalizedRegressionLoss}. One loss per file, its formula here: replace it with your
 * paper's.
 */
export class RegressionLoss implements Loss<RegressionInputs> {
  readonly name = 'regression';

  constructor(readonly weight: number = 1) {}

  compute({ predictions, targets }: RegressionInputs): tf.Scalar {
    return tf.tidy(() =>
      tf.add(
        normalizedRegressionLoss(predictions[0], targets[1]),
        normalizedRegressionLoss(predictions[1], targets[0]),
      ),
    );
  }
}
