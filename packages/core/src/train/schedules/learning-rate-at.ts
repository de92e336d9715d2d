import { SsdetError } from '../../errors/ssdet-error.js';
import { peakLearningRate } from './peak-learning-rate.js';
import type { ScheduleConfig } from './schedule-config.js';

/**
 * The learning rate of 0-based optimizer step `step` of a run of `totalSteps` steps:
 *
 * - warm-up, for s < W:  η·(f + (1 − f)·s/W), f = `warmupStartFactor` (BYOL: f = 0; SoCo's
 *   GradualWarmupScheduler: f = 1/multiplier), per step;
 * - then `cosine`:  η_min + (η − η_min)·½·(1 + cos(π·(s − W)/(T − W)))  (BYOL; SoCo's
 *   CosineAnnealingLR over T − W steps; MoCo v2 per epoch with `granularity: 'epoch'`);
 * - or `step`:  η·γ^k, k = the number of milestones (in epochs) already reached — PyTorch's
 *   MultiStepLR; UP-DETR's StepLR(40) in a 60-epoch run is `milestones: [40]`, γ = 0.1;
 * - or `constant`:  η.
 *
 * η is {@link peakLearningRate} (`baseLr`, scaled by batch / 256 when asked). Steps past the end
 * keep the final value. With `granularity: 'epoch'`, s is rounded down to its epoch's first step.
 */
export function learningRateAt(
  step: number,
  totalSteps: number,
  stepsPerEpoch: number,
  config: ScheduleConfig,
  baseLr: number,
  batchSize?: number,
): number {
  checkCount(step, 'step', 0);
  checkCount(totalSteps, 'totalSteps', 1);
  checkCount(stepsPerEpoch, 'stepsPerEpoch', 1);
  const peak = peakLearningRate(config, baseLr, batchSize);
  const s =
    config.granularity === 'epoch' ? Math.floor(step / stepsPerEpoch) * stepsPerEpoch : step;
  const warmup =
    config.warmupSteps > 0 ? config.warmupSteps : Math.round(config.warmupEpochs * stepsPerEpoch);
  if (s < warmup) {
    const f = config.warmupStartFactor;
    return peak * (f + ((1 - f) * s) / warmup);
  }
  switch (config.type) {
    case 'constant':
      return peak;
    case 'step': {
      const reached = config.milestones.filter((epoch) => s >= epoch * stepsPerEpoch).length;
      return peak * config.gamma ** reached;
    }
    case 'cosine': {
      const decaySteps = totalSteps - warmup;
      const progress = decaySteps <= 0 ? 1 : Math.min((s - warmup) / decaySteps, 1);
      return config.minLr + (peak - config.minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}

function checkCount(value: number, name: string, minimum: number): void {
  if (Number.isInteger(value) && value >= minimum) return;
  throw new SsdetError(
    'SCHEDULE_ARGUMENT',
    `learning-rate schedule: ${name} must be an integer ≥ ${minimum}; got ${value}.`,
  );
}
