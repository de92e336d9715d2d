import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { builtCodeExecArgv, type ImageRecord, type Rng, SsdetError, type View } from '@ssdet/core';
import { BadImageError } from '../bad-image-error.js';
import type { SampleProcessor } from './sample-processor.js';
import type { SampleReply, WorkerSetup } from './worker-protocol.js';

/**
 * Decodes and augments samples in `threads` worker threads, so the training thread only
 * collates. Views must be declarative ({@link WorkerSetup.views}) to be rebuilt in a worker;
 * their randomness travels as an RNG state, so results equal the in-thread processor's.
 */
export class WorkerSampleProcessor implements SampleProcessor {
  private readonly workers: Worker[];
  private readonly load: number[];
  private readonly waiting = new Map<
    number,
    {
      resolve: (reply: SampleReply) => void;
      reject: (error: Error) => void;
      /** Told when the request ends either way (close() waits for them). */
      settled: (() => void)[];
    }
  >();
  private nextId = 0;
  private broken: SsdetError | undefined;
  private closing = false;

  constructor(setup: WorkerSetup, threads: number) {
    const script = workerScript();
    this.workers = Array.from({ length: Math.max(1, threads) }, () => {
      const worker = new Worker(script, { workerData: setup, execArgv: builtCodeExecArgv() });
      worker.on('message', (reply: SampleReply) => this.settle(worker, reply));
      worker.on('error', (error) => this.failAll(`crashed: ${error.message}`));
      worker.on('exit', (code) => {
        if (!this.closing) this.failAll(`exited unexpectedly with code ${code}`);
      });
      // An idle pool does not keep the process alive: forgetting close() cannot hang a program.
      worker.unref();
      return worker;
    });
    this.load = this.workers.map(() => 0);
  }

  async process(index: number, rng: Rng): Promise<{ record: ImageRecord; views: View[] }> {
    if (this.broken !== undefined) throw this.broken;
    const slot = this.load.indexOf(Math.min(...this.load));
    const worker = this.workers[slot]!;
    this.load[slot] = this.load[slot]! + 1;
    // Keep the process alive while a reply is due (an idle pool must not, see the constructor).
    worker.ref();
    const id = this.nextId++;
    const reply = await new Promise<SampleReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, settled: [] });
      worker.postMessage({ id, index, rng: rng.saveState() });
    });
    if (reply.ok) return { record: reply.record, views: reply.views };
    if (reply.badImage !== undefined)
      throw new BadImageError(reply.badImage.file, reply.badImage.reason, reply.badImage.detail);
    throw new SsdetError(reply.code ?? 'DATA_WORKER', reply.message);
  }

  /**
   * Stops the threads once the samples they are working on are done (at most
   * {@link CLOSE_DRAIN_MS}): a thread terminated inside a native image kernel can abort the
   * process, and the loader's look-ahead usually has samples in flight when a run ends.
   */
  async close(): Promise<void> {
    this.closing = true;
    const inFlight = [...this.waiting.values()].map(
      (pending) => new Promise<void>((settled) => pending.settled.push(settled)),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(inFlight),
      new Promise<void>((expired) => (timer = setTimeout(expired, CLOSE_DRAIN_MS))),
    ]);
    clearTimeout(timer);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(worker: Worker, reply: SampleReply): void {
    const slot = this.workers.indexOf(worker);
    this.load[slot] = this.load[slot]! - 1;
    if (this.load[slot] === 0) worker.unref();
    const pending = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    pending?.resolve(reply);
    pending?.settled.forEach((settled) => settled());
  }

  /** A dead worker fails what it owed and every later request: never a silent hang. */
  private failAll(reason: string): void {
    this.broken ??= new SsdetError('DATA_WORKER', `A data worker thread ${reason}.`);
    for (const pending of this.waiting.values()) {
      pending.reject(this.broken);
      pending.settled.forEach((settled) => settled());
    }
    this.waiting.clear();
  }
}

/** The longest close() waits for the samples in flight before it terminates the threads. */
const CLOSE_DRAIN_MS = 10_000;

/**
 * The compiled worker script. From the built package it sits beside this file; when this module
 * runs from TypeScript sources (tests), worker threads still need the built JavaScript.
 */
function workerScript(): URL {
  const beside = new URL('./augment-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/workers/augment-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new SsdetError(
    'DATA_WORKER',
    'Data worker threads need the built @ssdet/data (dist/workers/augment-worker.js).',
    { hint: 'Run `npm run build`, or use workers: 0.' },
  );
}
