import path from 'node:path';
import type { MetricsSink } from '../metrics/metrics-record.js';
import { JsonlMetricsSink } from '../metrics/jsonl-metrics-sink.js';
import { TensorBoardSink } from '../metrics/tensorboard/tensorboard-sink.js';

/**
 * The run's metrics sinks: `metrics.jsonl` and TensorBoard event files. On resume, records
 * past the checkpoint's step (written after it, before the crash) are dropped first, so the
 * metrics read as one uninterrupted run.
 */
export function openRunSinks(runDir: string, resumeStep: number): MetricsSink[] {
  return [
    new JsonlMetricsSink(path.join(runDir, 'metrics.jsonl'), { resumeFromStep: resumeStep }),
    new TensorBoardSink(runDir, { resumeFromStep: resumeStep }),
  ];
}
