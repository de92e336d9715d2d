import { SsdetError } from '../../errors/ssdet-error.js';

/**
 * The target-network EMA momentum of BYOL (Grill et al. 2020, §3.2), rising from `base` at the
 * first step to 1 at the last on a cosine:
 *
 *     τ(k) = 1 − (1 − τ_base)·(cos(π·k/K) + 1) / 2
 *
 * `step` k is 0-based; steps past `totalSteps` K give 1. A method with a fixed momentum (MoCo's
 * 0.999) simply does not call this.
 */
export function emaMomentumAt(step: number, totalSteps: number, base: number): number {
  if (!Number.isInteger(step) || step < 0 || !Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new SsdetError(
      'SCHEDULE_ARGUMENT',
      `EMA momentum schedule: step must be an integer ≥ 0 and totalSteps an integer ≥ 1; got step ${step}, totalSteps ${totalSteps}.`,
    );
  }
  if (!(base >= 0 && base <= 1)) {
    throw new SsdetError(
      'SCHEDULE_ARGUMENT',
      `EMA momentum schedule: the base momentum must be in [0, 1]; got ${base}.`,
    );
  }
  const progress = Math.min(step / totalSteps, 1);
  return 1 - ((1 - base) * (Math.cos(Math.PI * progress) + 1)) / 2;
}
