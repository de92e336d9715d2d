import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventBus, Logger, SsdetError, writeFileAtomically, type Dataset } from '@ssdet/core';
import { openDataset } from '@ssdet/data';
import { canonicalJson } from '../cache/canonical-json.js';
import { RegionCache, REGION_CACHE_VERSION } from '../cache/region-cache.js';
import { InThreadExecutor, type ImageExecutor } from './image-executor.js';
import type { ImageFailed, ImageOutcome } from './image-outcome.js';
import { ImageProcessor } from './image-processor.js';
import { summarise, type RegionsJobSummary } from './job-summary.js';
import {
  entryReadsBack,
  ManifestWriter,
  readManifest,
  type ManifestEntry,
  type ResumeCheck,
} from './manifest.js';
import { ProgressReporter } from './progress-reporter.js';
import { createRegionSource, type RegionParameters } from './region-source-factory.js';
import { checkShard, shardIndices, WHOLE_DATASET, type Shard } from './shard.js';
import { RegionsWorkerPool } from './worker-pool.js';
import { PREVIEW_LIMIT, previewFileName } from './write-preview.js';

export interface RegionsJobOptions {
  /**
   * Where the images are (folder, COCO .json, .txt list; see `openDataset`), or an opened dataset.
   * Worker threads open the dataset themselves, so `workers > 0` needs the location.
   */
  readonly dataset: string | Dataset;
  readonly algorithm: string;
  /** Flat settings of the algorithm (`preset` included); see `createRegionSource`. */
  readonly parameters?: RegionParameters;
  readonly outDir: string;
  /** Worker threads; 0 (default) runs in the calling thread. */
  readonly workers?: number;
  /** Default: the whole dataset. */
  readonly shard?: Shard;
  /** Write PNG previews of the first {@link PREVIEW_LIMIT} images of the shard here. */
  readonly previewDir?: string;
  /** Skip images an earlier run of the same job finished (default true). */
  readonly resume?: boolean;
  /** How much of a finished image's cache entry must read back to skip it (default `checksum`). */
  readonly resumeCheck?: ResumeCheck;
  readonly bus?: EventBus;
  /** Seeds the per-image random streams (Selective Search ranking, random boxes). Default 0. */
  readonly seed?: number;
  /** Hand out at most this many images in this run, then stop (for tests and trial runs). */
  readonly stopAfter?: number;
  /** Stop handing out images once aborted; images in flight finish and are recorded. */
  readonly signal?: AbortSignal;
  /** Least time between two progress lines (default 5 s). */
  readonly progressIntervalSeconds?: number;
}

/** Absolute paths of a job's outputs. */
export interface RegionsJobFiles {
  readonly outDir: string;
  readonly regions: string;
  readonly manifest: string;
  readonly summary: string;
  /** The settings every run into this directory must share. */
  readonly job: string;
  readonly previews?: string;
}

export interface RegionsJobResult {
  readonly summary: RegionsJobSummary;
  readonly files: RegionsJobFiles;
}

/**
 * Output layout. The cache directory and `job.json` are shared by the shards of a job (cache writes
 * are atomic and content-addressed); manifest and summary get a shard suffix when the job is
 * sharded, so that job-array tasks writing to one shared directory never append to the same file.
 */
export function regionsJobFiles(outDir: string, shard: Shard = WHOLE_DATASET): RegionsJobFiles {
  const root = path.resolve(outDir);
  const suffix = shard.count === 1 ? '' : `-${shard.index}-of-${shard.count}`;
  return {
    outDir: root,
    regions: path.join(root, 'regions'),
    manifest: path.join(root, `manifest${suffix}.jsonl`),
    summary: path.join(root, `summary${suffix}.json`),
    job: path.join(root, 'job.json'),
  };
}

interface Task {
  readonly index: number;
  readonly previewFile?: string;
}

/**
 * The offline regions job: computes one algorithm's regions for every image of a dataset shard
 * into a {@link RegionCache} (`<outDir>/regions`, which training runs then read), appending a
 * manifest line as each image finishes and writing a summary at the end.
 *
 * Resumable: images listed in the manifest whose cache entry still reads back are skipped, so
 * rerunning the same command after a kill computes only the rest. Deterministic: each image's
 * randomness comes from `Rng.fromSeed(seed).fork('regions').fork(imageId)`, so results do not
 * depend on the worker count, the shard or the order images finish in. Unusable images are
 * listed in the summary and the job goes on.
 */
export async function runRegionsJob(options: RegionsJobOptions): Promise<RegionsJobResult> {
  const started = performance.now();
  const workers = options.workers ?? 0;
  if (!Number.isSafeInteger(workers) || workers < 0) {
    throw new SsdetError('REGIONS_BAD_OPTION', `workers must be an integer ≥ 0, got ${workers}.`);
  }
  const shard = checkShard(options.shard ?? WHOLE_DATASET);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new SsdetError('REGIONS_BAD_OPTION', `seed must be an integer, got ${seed}.`);
  }
  if (workers > 0 && typeof options.dataset !== 'string') {
    throw new SsdetError(
      'REGIONS_BAD_OPTION',
      'Worker threads open the dataset themselves: pass its location (folder, COCO .json or list file) rather than a Dataset object, or use workers: 0.',
    );
  }
  const parameters = options.parameters ?? {};
  const source = createRegionSource(options.algorithm, parameters);
  const logger = new Logger(options.bus ?? new EventBus(), 'proposals.regions');
  const dataset =
    typeof options.dataset === 'string' ? await openDataset(options.dataset) : options.dataset;
  const files: RegionsJobFiles = {
    ...regionsJobFiles(options.outDir, shard),
    ...(options.previewDir === undefined ? {} : { previews: path.resolve(options.previewDir) }),
  };
  await mkdir(files.regions, { recursive: true });
  if (files.previews !== undefined) await mkdir(files.previews, { recursive: true });
  const resume = options.resume ?? true;
  const identity = {
    algorithm: source.algorithm,
    parameters: source.parameters,
    seed,
    cacheVersion: REGION_CACHE_VERSION,
  };
  await claimOutputDirectory(files, identity, resume);

  // What is left to do: the shard minus images finished by an earlier run.
  const cache = new RegionCache(files.regions);
  const indices = shardIndices(dataset.size, shard);
  const previewFor = (position: number, index: number): string | undefined =>
    files.previews !== undefined && position < PREVIEW_LIMIT
      ? path.join(files.previews, previewFileName(index, dataset.record(index).id))
      : undefined;
  const positionOf = new Map(
    indices.map((index, position) => [dataset.record(index).id, position]),
  );
  const earlier = resume ? await readManifest(files.manifest) : [];
  const kept = await keepReadable(earlier, cache, options.resumeCheck ?? 'checksum', (entry) => {
    const position = positionOf.get(entry.id);
    if (position === undefined || indices[position] !== entry.index) return false;
    const preview = previewFor(position, entry.index);
    return preview === undefined || existsSync(preview);
  });
  const done = new Set(kept.map((entry) => entry.id));
  const tasks: Task[] = [];
  indices.forEach((index, position) => {
    if (done.has(dataset.record(index).id)) return;
    const previewFile = previewFor(position, index);
    tasks.push(previewFile === undefined ? { index } : { index, previewFile });
  });

  logger.info(
    `regions: ${source.algorithm} on ${dataset.description}, shard ${shard.index}/${shard.count}: ${indices.length} images, ${kept.length} already done, ${workers === 0 ? 'in-thread' : `${workers} worker threads`}`,
  );
  const manifest = await ManifestWriter.open(files.manifest, kept);
  const entries: ManifestEntry[] = [...kept];
  const failures: ImageFailed[] = [];
  let cacheHits = 0;
  let corruptRecomputed = 0;
  let processed = 0;
  const progress = new ProgressReporter(
    logger,
    indices.length,
    kept.length,
    options.stopAfter === undefined ? tasks.length : Math.min(tasks.length, options.stopAfter),
    options.progressIntervalSeconds ?? 5,
    Date.now(),
  );
  const record = async (outcome: ImageOutcome): Promise<void> => {
    if (outcome.status === 'failed') {
      failures.push(outcome);
      logger.warn(`regions: skipped ${outcome.file}: ${outcome.message}`, {
        id: outcome.id,
        reason: outcome.reason,
      });
    } else {
      const entry: ManifestEntry = {
        id: outcome.id,
        index: outcome.index,
        file: outcome.file,
        entry: path.relative(files.outDir, cache.pathFor(outcome.key)).split(path.sep).join('/'),
        key: outcome.key,
        bytes: outcome.bytes,
        regions: outcome.regions,
        seconds: outcome.seconds,
      };
      await manifest.append(entry);
      entries.push(entry);
      processed++;
      if (outcome.cache === 'hit') cacheHits++;
      if (outcome.cache === 'corrupt') corruptRecomputed++;
    }
    progress.imageFinished();
  };

  const threads = Math.min(workers, tasks.length);
  const executor: ImageExecutor =
    threads > 0
      ? new RegionsWorkerPool(
          {
            datasetLocation: path.resolve(options.dataset as string),
            algorithm: options.algorithm,
            parameters,
            cacheDirectory: files.regions,
            seed,
          },
          threads,
        )
      : new InThreadExecutor(new ImageProcessor(dataset, source, files.regions, seed));
  let handedOut = 0;
  let fatal: unknown;
  const stopping = (): boolean =>
    fatal !== undefined ||
    options.signal?.aborted === true ||
    (options.stopAfter !== undefined && handedOut >= options.stopAfter);
  let next = 0;
  const runner = async (): Promise<void> => {
    while (!stopping() && next < tasks.length) {
      const task = tasks[next++]!;
      handedOut++;
      try {
        await record(await executor.run(task.index, task.previewFile));
      } catch (error) {
        fatal ??= error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: executor.concurrency }, runner));
  } finally {
    await executor.close();
    await manifest.close();
  }
  if (fatal !== undefined) throw fatal;

  const summary = summarise({
    complete: next >= tasks.length,
    algorithm: source.algorithm,
    parameters: source.parameters,
    seed,
    shard,
    dataset: dataset.description,
    workers,
    shardSize: indices.length,
    entries: entries.sort((a, b) => a.index - b.index),
    failures,
    resumed: kept.length,
    processed,
    cacheHits,
    corruptRecomputed,
    wallSeconds: (performance.now() - started) / 1000,
    files: {
      regions: path.relative(files.outDir, files.regions),
      manifest: path.relative(files.outDir, files.manifest),
      ...(files.previews === undefined
        ? {}
        : { previews: path.relative(files.outDir, files.previews) }),
    },
  });
  await writeFileAtomically(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, files };
}

/**
 * Records the job's settings in `job.json`, or, when resuming, refuses a directory that holds a
 * job with other settings: its manifest and cache entries would silently mix two jobs.
 */
async function claimOutputDirectory(
  files: RegionsJobFiles,
  identity: object,
  resume: boolean,
): Promise<void> {
  const wanted = canonicalJson(identity);
  if (resume) {
    let existing: string | undefined;
    try {
      existing = canonicalJson(JSON.parse(await readFile(files.job, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') existing = '(unreadable)';
    }
    if (existing === wanted) return;
    if (existing !== undefined) {
      throw new SsdetError(
        'REGIONS_OTHER_JOB',
        `${files.outDir} holds a regions job with other settings (${files.job}: ${existing}; this run: ${wanted}).`,
        { hint: 'Use another output directory, or start over without resuming (--no-resume).' },
      );
    }
  }
  await writeFileAtomically(files.job, `${JSON.stringify(identity, null, 2)}\n`);
}

/** The manifest entries worth keeping: wanted by `keep` and whose cache entry reads back. */
async function keepReadable(
  entries: readonly ManifestEntry[],
  cache: RegionCache,
  check: ResumeCheck,
  keep: (entry: ManifestEntry) => boolean,
): Promise<ManifestEntry[]> {
  const kept: ManifestEntry[] = [];
  const batch = 32;
  for (let start = 0; start < entries.length; start += batch) {
    const slice = entries.slice(start, start + batch);
    const readable = await Promise.all(
      slice.map((entry) => (keep(entry) ? entryReadsBack(cache, entry, check) : false)),
    );
    slice.forEach((entry, i) => {
      if (readable[i]) kept.push(entry);
    });
  }
  return kept;
}
