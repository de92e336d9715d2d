import { SsdetError } from '@ssdet/core';

/**
 * The EMA momentum `m` used by the update after optimizer step `step` (0-based) of a run of
 * `totalSteps` steps.
 */
export type MomentumSchedule = (step: number, totalSteps: number) => number;

/** `m(k) = m` — MoCo and DenseCL (m = 0.999). */
export function constantMomentum(momentum: number): MomentumSchedule {
  checkMomentum(momentum);
  return () => momentum;
}

/**
 * BYOL's cosine-increasing momentum (Grill et al., NeurIPS 2020, §3.2):
 *
 *     m(k) = 1 − (1 − m₀)·(cos(πk/K) + 1)/2
 *
 * from `m₀` at `k = 0` to 1 at `k = K` (the run's total steps); steps beyond K stay at 1. BYOL
 * uses m₀ = 0.996, SoCo 0.99. `stepOffset` 1 evaluates it at k + 1: the official code of SoCo
 * (like BYOL's) updates the target at the start of the next iteration, with that iteration's
 * momentum.
 */
export function cosineMomentum(
  baseMomentum: number,
  options: { readonly stepOffset?: number } = {},
): MomentumSchedule {
  checkMomentum(baseMomentum);
  const offset = options.stepOffset ?? 0;
  return (step, totalSteps) => {
    if (!Number.isInteger(totalSteps) || totalSteps < 1) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `cosineMomentum: totalSteps must be a positive integer; got ${totalSteps}.`,
      );
    }
    const k = Math.min(Math.max(step + offset, 0), totalSteps);
    return 1 - ((1 - baseMomentum) * (Math.cos((Math.PI * k) / totalSteps) + 1)) / 2;
  };
}

function checkMomentum(momentum: number): void {
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new SsdetError('NN_BAD_OPTION', `Momentum must be in [0, 1]; got ${momentum}.`);
  }
}
