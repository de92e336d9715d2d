import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPythonReference } from './python-reference.js';
import type { StepTiming } from './timed-training-step.js';

/** PyTorch's time for the same training step, or why there is none. */
export interface TorchStep {
  readonly seconds?: number;
  readonly note: string;
}

/**
 * Runs a `tools/reference/<method>/bench_<method>_torch.py` script with `--json` (it prints
 * `{torch, threads, seconds, cpuSeconds}` for its mean step) and says what it measured.
 */
export function torchStep(script: string, args: readonly string[]): TorchStep {
  const run = runPythonReference(script, ['--json', ...args]);
  if ('skipped' in run) return { note: run.skipped };
  // The JSON is the last line: a script may print progress before it.
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: { torch: string; threads: number; seconds: number; cpuSeconds: number };
  try {
    parsed = JSON.parse(last) as typeof parsed;
  } catch {
    return { note: `not measured: ${script} printed no JSON (${last.slice(-200)})` };
  }
  if (typeof parsed.seconds !== 'number' || !Number.isFinite(parsed.seconds))
    return { note: `not measured: ${script} printed no "seconds" (${last.slice(-200)})` };
  const { torch, threads, seconds, cpuSeconds, ...rest } = parsed as typeof parsed &
    Record<string, unknown>;
  // Whatever else the script reports about its step (point pairs, loss), as `key value`.
  const extra = Object.entries(rest)
    .filter(([key]) => key !== 'steps')
    .map(
      ([key, value]) =>
        `${key} ${typeof value === 'number' ? +value.toPrecision(4) : String(value)}`,
    );
  return {
    seconds,
    note:
      `PyTorch ${torch}, ${threads} threads${extra.length > 0 ? ` (${extra.join(', ')})` : ''}: ` +
      `${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(1)} CPU-s per step`,
  };
}

/**
 * What one method bench measured, as `summary` writes it to `bench-results/methods/<method>.json`
 * for `tools/bench/summarize.js` (the table of BENCHMARKS.md). Seconds are wall seconds per step.
 */
export interface MethodStepRecord {
  readonly package: string;
  /** The suite: `npm run bench -- <method>`. */
  readonly method: string;
  readonly step: string;
  readonly batch: number;
  readonly backend: string | null;
  /** Mean of the steps after the warm-up; null when no step was timed. */
  readonly seconds: number | null;
  readonly cpuSeconds: number | null;
  /** Every step's wall seconds, the warm-up first. */
  readonly steps: readonly number[];
  readonly torchSeconds: number | null;
  readonly torchNote: string;
  /** Ours / PyTorch, both measured in this run; null when either is missing. */
  readonly ratio: number | null;
  readonly failure: string | null;
  /** ISO time the summary was written. */
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    /** 1-minute load average when the bench started and when it ended: others on a shared machine. */
    readonly loadAverage: readonly [number, number];
  };
}

/** Where `npm run bench` leaves the method records unless SSDET_BENCH_RECORDS says otherwise. */
export const DEFAULT_RECORDS_DIRECTORY = fileURLToPath(
  new URL('../../bench-results/methods', import.meta.url),
);

/**
 * The bookkeeping every method bench shares: its steps' timings (the first is the warm-up), the
 * PyTorch side, and the error that stopped it — vitest's bench runner reports a failing setup or
 * step as a bench with no samples, so the summary has to say what went wrong instead of printing
 * a 0 s step.
 */
export class MethodStepBench {
  private readonly timings: StepTiming[] = [];
  private failure: string | undefined;
  private readonly startLoad = loadavg()[0]!;
  private readonly recordsDirectory: string | null;
  torch: TorchStep = { note: 'not run' };
  backend: string | undefined;

  /**
   * @param options.recordsDirectory where `summary` writes its `<method>.json` record (null: none);
   *   default SSDET_BENCH_RECORDS or `bench-results/methods` at the repository root.
   */
  constructor(options: { recordsDirectory?: string | null } = {}) {
    this.recordsDirectory =
      options.recordsDirectory !== undefined
        ? options.recordsDirectory
        : (process.env['SSDET_BENCH_RECORDS'] ?? DEFAULT_RECORDS_DIRECTORY);
  }

  /** Runs `setup` (PyTorch first, then our backend and model), remembering why it failed. */
  async prepare(setup: () => Promise<void> | void): Promise<void> {
    try {
      await setup();
    } catch (error) {
      this.failure = `setup failed: ${describe(error)}`;
      throw error;
    }
  }

  /** Times one step with `run`, remembering why it failed. */
  step(label: string, run: () => StepTiming): void {
    if (this.failure !== undefined) throw new Error(this.failure);
    let timing: StepTiming;
    try {
      timing = run();
    } catch (error) {
      this.failure = `step ${this.timings.length} failed: ${describe(error)}`;
      throw error;
    }
    this.timings.push(timing);
    process.stderr.write(
      `${label} step ${this.timings.length - 1}: ${timing.seconds.toFixed(2)} s\n`,
    );
  }

  /** Mean wall seconds of the steps after the warm-up (of all when there was only one). */
  get meanSeconds(): number | undefined {
    const timed = this.timings.length > 1 ? this.timings.slice(1) : this.timings;
    if (timed.length === 0) return undefined;
    return timed.reduce((sum, t) => sum + t.seconds, 0) / timed.length;
  }

  /**
   * The lines an `afterAll` prints: `package` and `what` name the step, `batch` turns seconds into
   * images/s; the ratio to PyTorch when both sides ran; the failure when ours did not. Also writes
   * the run's `MethodStepRecord` (see `record`) to the records directory, if there is one.
   */
  summary(packageName: string, what: string, batch: number): string {
    const record = this.record(packageName, what, batch);
    if (this.recordsDirectory !== null) {
      mkdirSync(this.recordsDirectory, { recursive: true });
      writeFileSync(
        join(this.recordsDirectory, `${record.method}.json`),
        `${JSON.stringify(record, null, 2)}\n`,
      );
    }
    const head = `\n${packageName} bench on backend "${this.backend ?? 'none selected'}": ${what}: `;
    if (record.seconds === null || record.cpuSeconds === null)
      return `${head}no step was timed (${this.failure ?? 'the bench did not run'})\n  ${this.torch.note}\n`;
    const timed = this.timings.length > 1 ? this.timings.length - 1 : this.timings.length;
    const ratio = record.ratio === null ? '' : `; ratio ours / PyTorch ${record.ratio.toFixed(2)}×`;
    const stopped = this.failure === undefined ? '' : `; then ${this.failure}`;
    // CPU seconds are less sensitive than wall time to other processes on a shared machine.
    return (
      `${head}${record.seconds.toFixed(2)} s wall = ${(batch / record.seconds).toFixed(3)} images/s; ${record.cpuSeconds.toFixed(1)} CPU-s per step ` +
      `(mean of ${timed} after ${this.timings.length - timed} warm-up${stopped}; steps ${record.steps.map((s) => s.toFixed(2)).join(', ')} s)\n` +
      `  ${this.torch.note}${ratio}\n`
    );
  }

  /** What this run measured, with the machine and the date (`method` from `@ssdet/plugin-<method>`). */
  record(packageName: string, what: string, batch: number): MethodStepRecord {
    const mean = this.meanSeconds;
    const timed = this.timings.length > 1 ? this.timings.slice(1) : this.timings;
    const cpu =
      timed.length === 0 ? null : timed.reduce((sum, t) => sum + t.cpuSeconds, 0) / timed.length;
    return {
      package: packageName,
      method: packageName.replace(/^@ssdet\/(plugin-)?/, ''),
      step: what,
      batch,
      backend: this.backend ?? null,
      seconds: mean ?? null,
      cpuSeconds: cpu,
      steps: this.timings.map((t) => t.seconds),
      torchSeconds: this.torch.seconds ?? null,
      torchNote: this.torch.note,
      ratio:
        mean === undefined || this.torch.seconds === undefined ? null : mean / this.torch.seconds,
      failure: this.failure ?? null,
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        cores: availableParallelism(),
        node: process.version,
        loadAverage: [this.startLoad, loadavg()[0]!],
      },
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
