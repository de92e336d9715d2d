import { describe, expect, it } from 'vitest';
import { fanOutMetricsSink } from './fan-out-metrics-sink.js';
import type { MetricsRecord, MetricsSink } from './metrics-record.js';
import { makeRecord } from './test-support/make-record.js';

class ArraySink implements MetricsSink {
  readonly records: MetricsRecord[] = [];
  closed = false;
  write(record: MetricsRecord): Promise<void> {
    this.records.push(record);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

describe('fanOutMetricsSink', () => {
  it('writes to and closes every sink, even after one fails', async () => {
    const a = new ArraySink();
    const b = new ArraySink();
    const failing: MetricsSink = {
      write: () => Promise.reject(new Error('disk full')),
      close: () => Promise.resolve(),
    };
    const sink = fanOutMetricsSink([a, failing, b]);
    await expect(sink.write(makeRecord(1))).rejects.toThrow('disk full');
    await sink.close();
    expect(a.records.map((r) => r.step)).toEqual([1]);
    expect(b.records.map((r) => r.step)).toEqual([1]);
    expect(a.closed && b.closed).toBe(true);
  });
});
