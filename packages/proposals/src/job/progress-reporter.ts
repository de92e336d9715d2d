import type { Logger } from '@ssdet/core';

/**
 * Progress of the job as `log` events at a bounded rate: the first image, then at most one line
 * per `intervalSeconds`, and the last image. The pace is wall-clock time per image of this run, so
 * with workers it is the throughput, not one image's cost.
 */
export class ProgressReporter {
  private finished = 0;
  private lastReport = -Infinity;

  constructor(
    private readonly logger: Logger,
    /** Images of the shard, including those resumed from the manifest. */
    private readonly total: number,
    /** Images already done before this run. */
    private readonly resumed: number,
    /** Images this run will process. */
    private readonly todo: number,
    private readonly intervalSeconds: number,
    private readonly startedMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  imageFinished(): void {
    this.finished++;
    const nowMs = this.now();
    const last = this.finished === this.todo;
    if (!last && this.finished !== 1 && nowMs - this.lastReport < this.intervalSeconds * 1000)
      return;
    this.lastReport = nowMs;
    const pace = (nowMs - this.startedMs) / 1000 / this.finished;
    const eta = pace * (this.todo - this.finished);
    this.logger.info(
      `regions: ${this.resumed + this.finished}/${this.total} images, ${pace.toFixed(2)} s/image, ETA ${formatDuration(eta)}`,
      {
        done: this.resumed + this.finished,
        total: this.total,
        secondsPerImage: pace,
        etaSeconds: eta,
      },
    );
  }
}

/** `45s`, `12m05s`, `3h07m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
