import type { MetricsRecord, MetricsSink } from './metrics-record.js';

/**
 * One sink that writes every record to each of `sinks` (e.g. metrics.jsonl and TensorBoard).
 * All sinks are attempted even when one fails; the first failure is then rethrown.
 */
export function fanOutMetricsSink(sinks: readonly MetricsSink[]): MetricsSink {
  const all = async (action: (sink: MetricsSink) => Promise<void>): Promise<void> => {
    const results = await Promise.allSettled(sinks.map(action));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
  };
  return {
    write: (record: MetricsRecord) => all((sink) => sink.write(record)),
    close: () => all((sink) => sink.close()),
  };
}
