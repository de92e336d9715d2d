import type {
  BatchSource,
  Dataset,
  HostBatch,
  ImageRecord,
  RegionSource,
  Rng,
  View,
  ViewGenerator,
} from '@ssdet/core';
import { InThreadSampleProcessor, type SampleProcessor } from './workers/sample-processor.js';
import { BadImageError } from './bad-image-error.js';
import { epochOrder, type EpochOrderOptions } from './epoch-order.js';

export interface DataLoaderOptions extends EpochOrderOptions {
  readonly batchSize: number;
  /** Samples decoded and augmented at once. Default 8. */
  readonly concurrency?: number;
  /** `error` stops at the first bad image; `skip` replaces it with the next one and reports it. */
  readonly onBadImage?: 'error' | 'skip';
  /** Where regions come from when the views need them. */
  readonly regions?: RegionSource;
  /** Who decodes and augments; default: this thread. See WorkerSampleProcessor. */
  readonly processor?: SampleProcessor;
  /** Told once per image that is smaller than {@link SMALLEST_USEFUL_SIDE} on a side. */
  readonly warn?: (message: string) => void;
  /**
   * Data-parallel training: `batchSize` is the global batch and this process (rank `rank` of
   * `size`) gets items `[rank·B/size, (rank+1)·B/size)` of every global batch of the one seeded
   * order all ranks share, so that the ranks' batches together are the single-process batch, with
   * the same views (a sample's randomness depends on its dataset index only). Cursors stay global
   * positions. `batchSize` must be divisible by `size`.
   */
  readonly batchShard?: { readonly rank: number; readonly size: number };
}

/** Below this many pixels on a side, an image's views are mostly interpolation: worth a warning. */
export const SMALLEST_USEFUL_SIDE = 32;
/** Tiny images named one by one before the loader only counts them. */
const TINY_IMAGES_NAMED = 5;

type SampleOutcome =
  | { readonly kind: 'ok'; readonly record: ImageRecord; readonly views: View[] }
  | { readonly kind: 'skipped'; readonly entry: BadImageEntry }
  | { readonly kind: 'failed'; readonly error: unknown };

/** A sample being decoded and augmented: its position in the epoch's order, and its outcome. */
interface PendingSample {
  readonly position: number;
  readonly result: Promise<SampleOutcome>;
}

/** One epoch's samples in flight, in order, and the next position to start. */
interface EpochInFlight {
  readonly epoch: number;
  readonly order: ArrayLike<number>;
  readonly positions: readonly number[];
  readonly epochRng: Rng;
  readonly pending: PendingSample[];
  next: number;
}

export interface BadImageEntry {
  readonly file: string;
  readonly reason: string;
}

/**
 * Turns a dataset into batches of augmented views with bounded look-ahead: up to `concurrency`
 * samples are being decoded and augmented while the consumer trains on the previous batch. The
 * look-ahead runs on into the next epoch (from its start), so a new epoch does not begin with
 * the step waiting for a whole batch.
 * Each sample draws from `rng.fork('epoch-<e>').fork('sample-<index>')`, so the views of a
 * sample depend only on the seed, the epoch and the image — not on timing or concurrency.
 * Batches are full (a last partial batch is dropped, as MoCo/BYOL loaders do).
 */
export class DataLoader implements BatchSource {
  /** Bad images by file: each is listed once, however many epochs meet it. */
  private readonly badImages = new Map<string, BadImageEntry>();
  private readonly tinyImages = new Set<string>();
  private readonly processor: SampleProcessor;
  /** The next epoch's first samples, started while the previous epoch's last ones finished. */
  private nextEpoch: EpochInFlight | undefined;

  constructor(
    private readonly dataset: Dataset,
    views: ViewGenerator,
    private readonly rng: Rng,
    private readonly options: DataLoaderOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer; got ${options.batchSize}.`);
    }
    const shard = options.batchShard;
    if (
      shard !== undefined &&
      (!Number.isInteger(shard.size) ||
        shard.size < 1 ||
        !Number.isInteger(shard.rank) ||
        shard.rank < 0 ||
        shard.rank >= shard.size ||
        options.batchSize % shard.size !== 0)
    ) {
      throw new RangeError(
        `batchShard ${shard.rank}/${shard.size} needs 0 ≤ rank < size and a batchSize (${options.batchSize}) divisible by size.`,
      );
    }
    this.processor =
      options.processor ?? new InThreadSampleProcessor(dataset, views, options.regions);
  }

  /** Items per batch this process yields: the global batch over the shard's size. */
  get localBatchSize(): number {
    return this.options.batchSize / (this.options.batchShard?.size ?? 1);
  }

  /** Stops worker threads, if any. */
  close(): Promise<void> {
    return this.processor.close();
  }

  /** Full batches per epoch (before any bad images are skipped). */
  get batchesPerEpoch(): number {
    const perRank = Math.ceil(this.dataset.size / (this.options.worldSize ?? 1));
    return Math.floor(perRank / this.options.batchSize);
  }

  /** Images skipped so far, for the run's bad-images.txt. */
  skippedImages(): readonly BadImageEntry[] {
    return [...this.badImages.values()];
  }

  /** The batches of `epoch`, starting at order position `cursor` (0 for a fresh epoch). */
  async *epoch(epoch: number, cursor = 0): AsyncGenerator<HostBatch> {
    const concurrency = Math.max(1, this.options.concurrency ?? 8);
    const started = this.nextEpoch;
    this.nextEpoch = undefined;
    const current =
      started !== undefined && started.epoch === epoch && cursor === 0
        ? started
        : this.inFlight(epoch, cursor);
    const { pending } = current;
    const localBatch = this.localBatchSize;
    const global = this.options.batchSize;
    const fill = (): void => {
      this.start(current, concurrency - pending.length);
      if (current.next === current.positions.length) {
        this.nextEpoch ??= this.inFlight(epoch + 1, 0);
        this.start(this.nextEpoch, concurrency - pending.length - this.nextEpoch.pending.length);
      }
    };
    let batchIndex = Math.floor(cursor / global);
    let records: ImageRecord[] = [];
    let views: View[][] = [];
    fill();
    while (pending.length > 0) {
      const head = pending.shift()!;
      fill();
      const outcome = await head.result;
      if (outcome.kind === 'failed') throw outcome.error;
      if (outcome.kind === 'skipped') {
        // Noted when met, not when processed: a prefetched epoch the run never reaches adds nothing.
        if (!this.badImages.has(outcome.entry.file))
          this.badImages.set(outcome.entry.file, outcome.entry);
        continue;
      }
      this.noteSize(outcome.record);
      records.push(outcome.record);
      views.push(outcome.views);
      if (records.length === localBatch) {
        // Sharded, a batch ends where its global batch ends, whatever part of it this rank took.
        const end =
          this.options.batchShard === undefined
            ? head.position + 1
            : (Math.floor(head.position / global) + 1) * global;
        yield { epoch, index: batchIndex, records, views, cursor: end };
        batchIndex += 1;
        records = [];
        views = [];
      }
    }
  }

  /** `epoch` from order position `cursor`, nothing started yet. */
  private inFlight(epoch: number, cursor: number): EpochInFlight {
    const order = epochOrder(this.dataset.size, this.rng, epoch, this.options);
    return {
      epoch,
      order,
      positions: this.positions(order.length, cursor),
      epochRng: this.rng.fork(`epoch-${epoch}`),
      pending: [],
      next: 0,
    };
  }

  /** Starts up to `room` more of the epoch's samples. */
  private start(flight: EpochInFlight, room: number): void {
    for (let i = 0; i < room && flight.next < flight.positions.length; i++) {
      const position = flight.positions[flight.next]!;
      flight.pending.push({
        position,
        result: this.process(flight.order[position]!, flight.epochRng),
      });
      flight.next += 1;
    }
  }

  /** The order positions this process visits from `cursor` on: all, or its part of each global batch. */
  private positions(length: number, cursor: number): number[] {
    const shard = this.options.batchShard;
    if (shard === undefined || shard.size === 1)
      return Array.from({ length: Math.max(0, length - cursor) }, (_, i) => cursor + i);
    const global = this.options.batchSize;
    const local = global / shard.size;
    const positions: number[] = [];
    for (
      let start = Math.floor(cursor / global) * global;
      start + global <= length;
      start += global
    )
      for (let i = 0; i < local; i++) positions.push(start + shard.rank * local + i);
    return positions;
  }

  /** Never rejects: a failure is returned and thrown where the batch is assembled, in order. */
  private async process(index: number, epochRng: Rng): Promise<SampleOutcome> {
    try {
      const { record, views } = await this.processor.process(
        index,
        epochRng.fork(`sample-${index}`),
      );
      return { kind: 'ok', record, views };
    } catch (error) {
      if (error instanceof BadImageError && this.options.onBadImage === 'skip')
        return { kind: 'skipped', entry: { file: error.file, reason: error.detail } };
      return { kind: 'failed', error };
    }
  }

  private noteSize(record: ImageRecord): void {
    const { width, height, path } = record;
    if (width === undefined || height === undefined || this.options.warn === undefined) return;
    if (Math.min(width, height) >= SMALLEST_USEFUL_SIDE || this.tinyImages.has(path)) return;
    this.tinyImages.add(path);
    if (this.tinyImages.size <= TINY_IMAGES_NAMED)
      this.options.warn(
        `${path} is only ${width} × ${height} pixels: its views are upsampled from almost nothing (images should be at least ${SMALLEST_USEFUL_SIDE} px on a side).`,
      );
    else if (this.tinyImages.size === TINY_IMAGES_NAMED + 1)
      this.options.warn(`More images under ${SMALLEST_USEFUL_SIDE} px on a side; not naming each.`);
  }
}
