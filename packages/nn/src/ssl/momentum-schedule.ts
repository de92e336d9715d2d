import { SsdetError } from '@ssdet/core';

/** The EMA momentum `m` at optimizer step `k` (0-based). */
export type MomentumSchedule = (step: number) => number;

/** `m(k) = m` — MoCo (m = 0.999). */
export function constantMomentum(momentum: number): MomentumSchedule {
  checkMomentum(momentum);
  return () => momentum;
}

/**
 * BYOL's cosine-increasing momentum (Grill et al., NeurIPS 2020, §3.2):
 * `m(k) = 1 − (1 − m₀)·(cos(πk/K) + 1)/2`, from `m₀` at `k = 0` to 1 at `k = K` (`totalSteps`);
 * steps beyond K stay at 1. BYOL uses m₀ = 0.996, SoCo 0.99.
 */
export function cosineMomentum(baseMomentum: number, totalSteps: number): MomentumSchedule {
  checkMomentum(baseMomentum);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new SsdetError(
      'NN_BAD_OPTION',
      `cosineMomentum "totalSteps" must be a positive integer; got ${totalSteps}.`,
    );
  }
  return (step) => {
    const k = Math.min(Math.max(step, 0), totalSteps);
    return 1 - ((1 - baseMomentum) * (Math.cos((Math.PI * k) / totalSteps) + 1)) / 2;
  };
}

function checkMomentum(momentum: number): void {
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new SsdetError('NN_BAD_OPTION', `Momentum must be in [0, 1]; got ${momentum}.`);
  }
}
