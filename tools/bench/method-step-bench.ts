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
  let parsed: { torch: string; threads: number; seconds: number; cpuSeconds: number };
  try {
    parsed = JSON.parse(run.stdout) as typeof parsed;
  } catch {
    return { note: `not measured: ${script} printed no JSON (${run.stdout.trim().slice(-200)})` };
  }
  return {
    seconds: parsed.seconds,
    note: `PyTorch ${parsed.torch}, ${parsed.threads} threads: ${parsed.seconds.toFixed(2)} s wall, ${parsed.cpuSeconds.toFixed(1)} CPU-s per step`,
  };
}

/**
 * The bookkeeping every method bench shares: its steps' timings (the first is the warm-up), the
 * PyTorch side, and the error that stopped it — vitest's bench runner reports a failing setup or
 * step as a bench with no samples, so the summary has to say what went wrong instead of printing
 * a 0 s step.
 */
export class MethodStepBench {
  private readonly timings: StepTiming[] = [];
  private failure: string | undefined;
  torch: TorchStep = { note: 'not run' };
  backend: string | undefined;

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
   * images/s; the ratio to PyTorch when both sides ran; the failure when ours did not.
   */
  summary(packageName: string, what: string, batch: number): string {
    const head = `\n${packageName} bench on backend "${this.backend ?? 'none selected'}": ${what}: `;
    const mean = this.meanSeconds;
    if (mean === undefined)
      return `${head}no step was timed (${this.failure ?? 'the bench did not run'})\n  ${this.torch.note}\n`;
    const timed = this.timings.length > 1 ? this.timings.slice(1) : this.timings;
    const cpu = timed.reduce((sum, t) => sum + t.cpuSeconds, 0) / timed.length;
    const ratio =
      this.torch.seconds === undefined
        ? ''
        : `; ratio ours / PyTorch ${(mean / this.torch.seconds).toFixed(2)}×`;
    const stopped = this.failure === undefined ? '' : `; then ${this.failure}`;
    // CPU seconds are less sensitive than wall time to other processes on a shared machine.
    return (
      `${head}${mean.toFixed(2)} s wall = ${(batch / mean).toFixed(3)} images/s; ${cpu.toFixed(1)} CPU-s per step ` +
      `(mean of ${timed.length} after ${this.timings.length - timed.length} warm-up${stopped})\n` +
      `  ${this.torch.note}${ratio}\n`
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
