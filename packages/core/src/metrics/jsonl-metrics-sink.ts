import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { formatMetricsLine } from './metrics-json-line.js';
import type { MetricsRecord, MetricsSink } from './metrics-record.js';
import { trimMetricsJsonl } from './trim-metrics-jsonl.js';

export interface JsonlMetricsSinkOptions {
  /**
   * The run resumes after this optimizer step: records with a larger step, logged by the
   * interrupted process after its last checkpoint, are removed from the file before appending,
   * so that the file reads as one uninterrupted run.
   */
  readonly resumeFromStep?: number;
  /**
   * Also `fdatasync` after every line. Without it a line survives the process being killed
   * (it is in the kernel once `write` resolves) but not the machine losing power.
   */
  readonly sync?: boolean;
}

/**
 * Appends each {@link MetricsRecord} as one JSON line to `file` (a run's `metrics.jsonl`).
 *
 * Every line goes to the kernel in a single unbuffered `write(2)` on an `O_APPEND` descriptor
 * before `write()` resolves, so a killed process loses at most the line being written. A torn
 * last line left by such a kill is cut off when the file is opened again, so that appended lines
 * never glue onto it. Writes are serialised; callers need not await one before the next.
 */
export class JsonlMetricsSink implements MetricsSink {
  readonly file: string;
  private readonly options: JsonlMetricsSinkOptions;
  private handle: Promise<FileHandle> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(file: string, options: JsonlMetricsSinkOptions = {}) {
    this.file = file;
    this.options = options;
  }

  write(record: MetricsRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`JsonlMetricsSink(${this.file}) is closed`));
    const line = Buffer.from(`${formatMetricsLine(record)}\n`, 'utf8');
    return this.enqueue(async () => {
      const handle = await this.opened();
      await handle.write(line);
      if (this.options.sync === true) await handle.datasync();
    });
  }

  close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    return this.enqueue(async () => {
      if (this.handle !== undefined) await (await this.handle).close();
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    // A failed write must not wedge every later one; its own promise still rejects.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private opened(): Promise<FileHandle> {
    this.handle ??= (async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await trimMetricsJsonl(this.file, this.options.resumeFromStep);
      return open(this.file, 'a');
    })();
    return this.handle;
  }
}
