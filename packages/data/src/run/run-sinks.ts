import path from 'node:path';
import { JsonlMetricsSink, type MetricsSink, TensorBoardSink } from '@ssdet/core';

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
