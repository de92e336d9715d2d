import type { MetricsRecord } from '../metrics-record.js';

/** A plausible record for `step`, with every field set and values that differ per step. */
export function makeRecord(step: number, overrides: Partial<MetricsRecord> = {}): MetricsRecord {
  return {
    step,
    epoch: Math.floor(step / 4),
    loss: 6 - step * 0.25,
    terms: { global: 3 - step * 0.125, dense: 3 - step * 0.0625 },
    lr: 0.03 * (step / 10),
    momentum: 0.99 + step * 0.0001,
    imagesPerSecond: 10 + step,
    dataWaitFraction: 0.05 * (step % 3),
    backend: 'cpu',
    time: 1_700_000_000_000 + step * 1500,
    ...overrides,
  };
}
