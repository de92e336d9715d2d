import type { MetricsRecord } from './metrics-record.js';

/**
 * The records of the run as it finally went, from a log that may hold several attempts: when a
 * run is killed after step `k` and resumed from a checkpoint at step `c < k`, steps `c+1..k`
 * appear twice. Like TensorBoard's purge of orphaned data, a record whose step is not after its
 * predecessor's discards every earlier record with a step at or past its own. The result has
 * strictly increasing steps.
 */
export function dropOrphanedRecords(records: readonly MetricsRecord[]): MetricsRecord[] {
  const kept: MetricsRecord[] = [];
  for (const record of records) {
    while (kept.length > 0 && kept[kept.length - 1]!.step >= record.step) kept.pop();
    kept.push(record);
  }
  return kept;
}
