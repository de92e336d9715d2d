import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { isSsdetError, Rng, type Dataset, type RegionSource, type Sample } from '@ssdet/core';
import { BadImageError } from '@ssdet/data';
import { CachedRegionSource } from '../cache/cached-region-source.js';
import { RegionCache, regionCacheKey } from '../cache/region-cache.js';
import type { ImageOutcome } from './image-outcome.js';
import { writePreview } from './write-preview.js';

/** The random stream of one image: depends on the seed and the image id only, never on scheduling. */
export function imageRng(seed: number, id: string): Rng {
  return Rng.fromSeed(seed).fork('regions').fork(id);
}

/**
 * The work of one image, identical in the main thread (`workers: 0`) and in worker threads:
 * decode, answer from the region cache or compute and store, optionally draw a preview.
 * Unusable images and images the algorithm refuses become `failed` outcomes; anything else
 * (a full disk, a bug) is thrown and stops the job.
 */
export class ImageProcessor {
  private readonly cache: RegionCache;
  private readonly cached: CachedRegionSource;

  constructor(
    private readonly dataset: Dataset,
    private readonly source: RegionSource,
    cacheDirectory: string,
    private readonly seed: number,
  ) {
    this.cache = new RegionCache(cacheDirectory);
    this.cached = new CachedRegionSource(source, this.cache);
  }

  async process(index: number, previewFile?: string): Promise<ImageOutcome> {
    const started = performance.now();
    const record = this.dataset.record(index);
    const failed = (reason: string, message: string): ImageOutcome => ({
      status: 'failed',
      index,
      id: record.id,
      file: record.path,
      reason,
      message,
    });
    let sample: Sample;
    try {
      sample = await this.dataset.load(index);
    } catch (error) {
      if (error instanceof BadImageError) return failed(error.reason, error.message);
      throw error;
    }
    let proposal: Awaited<ReturnType<CachedRegionSource['proposeWithStatus']>>;
    try {
      proposal = await this.cached.proposeWithStatus(sample.image, imageRng(this.seed, record.id), {
        record: sample.record,
      });
    } catch (error) {
      // The sources reject images they cannot handle with an SsdetError; I/O errors are not that.
      if (isSsdetError(error)) return failed('algorithm', error.message);
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    const key = regionCacheKey(sample.image, this.source);
    const { size } = await stat(this.cache.pathFor(key));
    if (previewFile !== undefined) await writePreview(previewFile, sample.image, proposal.regions);
    return {
      status: 'done',
      index,
      id: record.id,
      file: record.path,
      key,
      bytes: size,
      regions: proposal.regions.boxes.length / 4,
      seconds,
      cache: proposal.outcome.status,
    };
  }
}
