import type { ManifestEntry } from './manifest.js';
import type { ImageFailed } from './image-outcome.js';
import type { RegionParameters } from './region-source-factory.js';
import type { Shard } from './shard.js';

export interface Statistic {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** `summary.json`: what a regions job produced, for people and for scripts. */
export interface RegionsJobSummary {
  /** False when the run was stopped (signal, `stopAfter`) before every image was handled. */
  readonly complete: boolean;
  readonly algorithm: string;
  /** The source's full parameters (defaults filled in), i.e. what the cache keys contain. */
  readonly parameters: RegionParameters;
  readonly seed: number;
  readonly shard: Shard;
  readonly dataset: string;
  readonly workers: number;
  readonly images: {
    /** Images in this shard. */
    readonly shard: number;
    /** Images with regions on disk (listed in the manifest). */
    readonly done: number;
    readonly failed: number;
    /** Neither done nor failed: the run stopped early. */
    readonly remaining: number;
    /** Done by an earlier run and skipped by this one. */
    readonly resumed: number;
    /** Handled by this run and now done. */
    readonly processed: number;
    /** Of `processed`, answered from an existing cache entry. */
    readonly cacheHits: number;
    /** Of `processed`, whose cache entry was corrupt and was recomputed. */
    readonly corruptRecomputed: number;
  };
  readonly failed: readonly {
    readonly id: string;
    readonly file: string;
    readonly reason: string;
    readonly message: string;
  }[];
  /** Over every done image of the shard; null when there is none. */
  readonly regionsPerImage: Statistic | null;
  /** Decode + proposal time per image (one thread), over every done image of the shard. */
  readonly secondsPerImage: Statistic | null;
  /** Wall-clock time of this run. */
  readonly wallSeconds: number;
  /** Output paths relative to the job's output directory. */
  readonly files: {
    readonly regions: string;
    readonly manifest: string;
    readonly previews?: string;
  };
}

export function statistic(values: readonly number[]): Statistic | null {
  if (values.length === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return { mean: sum / values.length, min, max };
}

export interface SummaryInputs {
  readonly complete: boolean;
  readonly algorithm: string;
  readonly parameters: RegionParameters;
  readonly seed: number;
  readonly shard: Shard;
  readonly dataset: string;
  readonly workers: number;
  readonly shardSize: number;
  readonly entries: readonly ManifestEntry[];
  readonly failures: readonly ImageFailed[];
  readonly resumed: number;
  readonly processed: number;
  readonly cacheHits: number;
  readonly corruptRecomputed: number;
  readonly wallSeconds: number;
  readonly files: RegionsJobSummary['files'];
}

export function summarise(inputs: SummaryInputs): RegionsJobSummary {
  const failed = [...inputs.failures]
    .sort((a, b) => a.index - b.index)
    .map(({ id, file, reason, message }) => ({ id, file, reason, message }));
  return {
    complete: inputs.complete,
    algorithm: inputs.algorithm,
    parameters: inputs.parameters,
    seed: inputs.seed,
    shard: inputs.shard,
    dataset: inputs.dataset,
    workers: inputs.workers,
    images: {
      shard: inputs.shardSize,
      done: inputs.entries.length,
      failed: failed.length,
      remaining: inputs.shardSize - inputs.entries.length - failed.length,
      resumed: inputs.resumed,
      processed: inputs.processed,
      cacheHits: inputs.cacheHits,
      corruptRecomputed: inputs.corruptRecomputed,
    },
    failed,
    regionsPerImage: statistic(inputs.entries.map((entry) => entry.regions)),
    secondsPerImage: statistic(inputs.entries.map((entry) => entry.seconds)),
    wallSeconds: inputs.wallSeconds,
    files: inputs.files,
  };
}
