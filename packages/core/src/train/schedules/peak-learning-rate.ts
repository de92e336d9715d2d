import { SsdetError } from '../../errors/ssdet-error.js';
import type { ScheduleConfig } from './schedule-config.js';

/**
 * The learning rate a schedule warms up to and decays from: the base `lr`, times
 * batch / `referenceBatchSize` when `scaleWithBatch` is on (the linear scaling rule of Goyal
 * et al. 2017, "lr = base × batch / 256" in BYOL and SoCo).
 *
 * @param batchSize images per optimizer step over all accumulation steps (and processes); needed
 *   only when the schedule scales with the batch.
 */
export function peakLearningRate(
  config: ScheduleConfig,
  baseLr: number,
  batchSize?: number,
): number {
  if (!Number.isFinite(baseLr) || baseLr <= 0) {
    throw new SsdetError(
      'SCHEDULE_ARGUMENT',
      `learning-rate schedule: the base learning rate must be a finite number > 0; got ${baseLr}.`,
      { hint: 'Set optimizer.lr.' },
    );
  }
  if (!config.scaleWithBatch) return baseLr;
  if (batchSize === undefined || !Number.isInteger(batchSize) || batchSize <= 0) {
    throw new SsdetError(
      'SCHEDULE_ARGUMENT',
      `learning-rate schedule: scaleWithBatch needs the batch size (a positive integer); got ${batchSize}.`,
    );
  }
  return (baseLr * batchSize) / config.referenceBatchSize;
}
