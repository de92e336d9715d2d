import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { MetricsRecord, MetricsSink } from '../metrics-record.js';
import {
  encodeFileVersionEvent,
  encodeScalarEvent,
  encodeSessionStartEvent,
} from './event-proto.js';
import { eventFileName } from './event-file-name.js';
import { recordScalars } from './record-scalars.js';
import { frameTfRecord } from './tfrecord.js';

export interface TensorBoardSinkOptions {
  /**
   * The run resumes after this optimizer step. The new file then starts with a
   * `SessionLog{START}` at the next step, which makes TensorBoard drop the points that the
   * interrupted attempt logged after its last checkpoint.
   */
  readonly resumeFromStep?: number;
  /** Also `fdatasync` after every record (see JsonlMetricsSink). */
  readonly sync?: boolean;
  /** For tests: the clock (ms) used for the file name and the first event. */
  readonly now?: () => number;
  /** For tests: the host name in the file name; defaults to `os.hostname()`. */
  readonly hostname?: string;
}

const MAX_NAME_ATTEMPTS = 100;

/**
 * Writes each {@link MetricsRecord} as TensorBoard scalars (see {@link recordScalars}) into a new
 * event file `dir/events.out.tfevents.<seconds>.<host>`, the format `tensorboard --logdir`
 * reads: TFRecord framing around `Event` protocol buffers, the first one carrying
 * `file_version: "brain.Event:2"`. The file is created on the first write; each record's events
 * reach the kernel in one `write(2)`, so a killed process leaves at most a torn last record,
 * which TensorBoard's reader ignores.
 */
export class TensorBoardSink implements MetricsSink {
  readonly dir: string;
  private readonly options: TensorBoardSinkOptions;
  private opening: Promise<{ handle: FileHandle; file: string }> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(dir: string, options: TensorBoardSinkOptions = {}) {
    this.dir = dir;
    this.options = options;
  }

  /** The event file's path (creating the file if no record was written yet). */
  async file(): Promise<string> {
    if (this.closed && this.opening === undefined) {
      throw new Error(`TensorBoardSink(${this.dir}) was closed before it wrote anything`);
    }
    return (await this.opened()).file;
  }

  write(record: MetricsRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`TensorBoardSink(${this.dir}) is closed`));
    const wallTime = record.time / 1000;
    const frames = recordScalars(record).map((scalar) =>
      frameTfRecord(encodeScalarEvent(wallTime, record.step, scalar)),
    );
    return this.enqueue(async () => {
      const { handle } = await this.opened();
      await handle.write(Buffer.concat(frames));
      if (this.options.sync === true) await handle.datasync();
    });
  }

  close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    return this.enqueue(async () => {
      if (this.opening !== undefined) await (await this.opening).handle.close();
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private opened(): Promise<{ handle: FileHandle; file: string }> {
    this.opening ??= this.create();
    return this.opening;
  }

  private async create(): Promise<{ handle: FileHandle; file: string }> {
    const now = (this.options.now ?? Date.now)();
    const host = this.options.hostname ?? hostname();
    await mkdir(this.dir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const file = path.join(
        this.dir,
        eventFileName(now / 1000, host, attempt === 0 ? '' : `.${attempt}`),
      );
      let handle: FileHandle;
      try {
        handle = await open(file, 'wx');
      } catch (error) {
        const exists = (error as NodeJS.ErrnoException | undefined)?.code === 'EEXIST';
        if (exists && attempt < MAX_NAME_ATTEMPTS) continue;
        throw error;
      }
      const header = [frameTfRecord(encodeFileVersionEvent(now / 1000))];
      if (this.options.resumeFromStep !== undefined) {
        header.push(
          frameTfRecord(encodeSessionStartEvent(now / 1000, this.options.resumeFromStep + 1)),
        );
      }
      await handle.write(Buffer.concat(header));
      return { handle, file };
    }
  }
}
