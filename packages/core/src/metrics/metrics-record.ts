import type { BackendName } from '../tensor/backend-name.js';

/** One line of a run's `metrics.jsonl`, written every `logEvery` optimizer steps. */
export interface MetricsRecord {
  /** 1-based count of optimizer steps done. */
  readonly step: number;
  readonly epoch: number;
  /** Total loss (weighted sum) and each weighted term, e.g. `{ global: 6.1, dense: 6.3 }`. */
  readonly loss: number;
  readonly terms: Readonly<Record<string, number>>;
  readonly lr: number;
  /** Momentum of an EMA target/key encoder, when the method has one. */
  readonly momentum?: number;
  /**
   * Validation metrics computed at this step, when the run evaluates (fine-tuning's COCO numbers,
   * e.g. `{ "bbox/AP": 0.31, "bbox/AP50": 0.52 }`).
   */
  readonly evaluation?: Readonly<Record<string, number>>;
  readonly imagesPerSecond: number;
  /** Fraction of wall-clock time the step loop spent waiting for data since the last record. */
  readonly dataWaitFraction: number;
  readonly backend: BackendName;
  /** Unix time in milliseconds. */
  readonly time: number;
}

/** Somewhere metrics go: a JSON-lines file, TensorBoard event files, a test's array. */
export interface MetricsSink {
  write(record: MetricsRecord): Promise<void>;
  close(): Promise<void>;
}
