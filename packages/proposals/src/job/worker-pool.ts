import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SsdetError, builtCodeExecArgv } from '@ssdet/core';
import type { ImageExecutor } from './image-executor.js';
import type { ImageOutcome } from './image-outcome.js';
import type { RegionsReply, RegionsRequest, RegionsWorkerSetup } from './worker-protocol.js';

interface Task {
  readonly request: RegionsRequest;
  readonly resolve: (outcome: ImageOutcome) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A fixed pool of worker threads, one image per worker at a time (the work is CPU-bound, so more
 * in flight per thread would only add memory). Requests queue until a worker is idle. A crashed
 * worker fails its task and everything queued: the job stops rather than silently losing images.
 */
export class RegionsWorkerPool implements ImageExecutor {
  readonly concurrency: number;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private readonly workers: Worker[];
  private broken: Error | undefined;
  private closing = false;

  constructor(setup: RegionsWorkerSetup, threads: number) {
    const script = regionsWorkerScript();
    this.concurrency = Math.max(1, threads);
    this.workers = Array.from({ length: this.concurrency }, () => {
      const worker = new Worker(script, { workerData: setup, execArgv: builtCodeExecArgv() });
      worker.on('message', (reply: RegionsReply) => this.settle(worker, reply));
      worker.on('error', (error) => this.fail(`A regions worker thread crashed: ${error.message}`));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(`A regions worker thread exited unexpectedly (code ${code}).`);
      });
      return worker;
    });
    this.idle.push(...this.workers);
  }

  run(index: number, previewFile?: string): Promise<ImageOutcome> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise<ImageOutcome>((resolve, reject) => {
      const request: RegionsRequest =
        previewFile === undefined ? { index } : { index, previewFile };
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage(task.request);
    }
  }

  private settle(worker: Worker, reply: RegionsReply): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    this.idle.push(worker);
    if (task !== undefined) {
      if ('outcome' in reply) task.resolve(reply.outcome);
      else {
        const { code, message, hint } = reply.fatal;
        task.reject(
          new SsdetError(code ?? 'REGIONS_WORKER', message, hint === undefined ? {} : { hint }),
        );
      }
    }
    this.dispatch();
  }

  private fail(message: string): void {
    this.broken ??= new SsdetError('REGIONS_WORKER', message);
    for (const task of [...this.busy.values(), ...this.queue.splice(0)]) task.reject(this.broken);
    this.busy.clear();
  }
}

/**
 * The compiled worker script. From the built package it sits beside this file; when this module
 * runs from TypeScript sources (tests), the threads run the package's built JavaScript instead.
 */
export function regionsWorkerScript(): URL {
  const beside = new URL('./regions-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/job/regions-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new SsdetError(
    'REGIONS_WORKER',
    'Regions worker threads need the built @ssdet/proposals (dist/job/regions-worker.js).',
    { hint: 'Build it (npx tsc -b packages/proposals), or use workers: 0.' },
  );
}
