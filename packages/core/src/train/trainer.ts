import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariables } from '../contracts/parameters.js';
import type { PretrainMethod, StepContext } from '../contracts/pretrain-method.js';
import { collate, disposeBatch } from './collate.js';
import type { BatchSource, HostBatch } from '../contracts/host-batch.js';
import { SsdetError } from '../errors/ssdet-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { MetricsSink } from '../metrics/metrics-record.js';
import type { Rng } from '../random/rng.js';
import type { BackendName } from '../tensor/backend-name.js';
import { meanAllreduceGradients } from '../distributed/allreduce-gradients.js';
import { SINGLE_PROCESS, type ProcessGroup } from '../distributed/process-group.js';
import type { CheckpointManager, CheckpointMeta } from './checkpoint/checkpoint-manager.js';
import { NonFiniteLossError } from './non-finite-loss-error.js';
import type { Optimizer } from './optim/optimizer.js';

/** Where a run starts: from scratch (all zeros) or from a checkpoint. */
export interface TrainerPosition {
  readonly step: number;
  readonly epoch: number;
  readonly cursor: number;
}

export interface TrainerOptions {
  readonly method: PretrainMethod;
  readonly loader: BatchSource;
  readonly optimizer: Optimizer;
  /** The learning rate of 0-based optimizer step `step`. */
  readonly learningRate: (step: number) => number;
  readonly totalSteps: number;
  /** Micro-batches whose gradients are averaged into one optimizer step. Default 1. */
  readonly accumulate?: number;
  /** Rescales gradients whose global norm exceeds this (PyTorch clip_grad_norm_). */
  readonly clipGradients?: (gradients: Map<string, tf.Tensor>) => Map<string, tf.Tensor>;
  readonly checkpoints: CheckpointManager;
  /** Write a checkpoint every this many optimizer steps (and always at the end / on stop). */
  readonly checkpointEvery: number;
  /** Fields of every checkpoint besides the position. */
  readonly checkpointMeta: Omit<CheckpointMeta, 'step' | 'epoch' | 'cursor' | 'time'>;
  readonly sinks: readonly MetricsSink[];
  readonly logEvery: number;
  readonly rng: Rng;
  readonly backend: BackendName;
  readonly bus: EventBus;
  /** Polled after every step; true makes the trainer checkpoint and return (SIGINT/SIGTERM). */
  readonly shouldStop?: () => boolean;
  /** Called once with the first batch, e.g. to save previews of the views. */
  readonly onFirstBatch?: (batch: HostBatch) => Promise<void>;
  /**
   * Validation during training (fine-tuning's COCO AP): after every `every` optimizer steps and
   * after the last, `run(step)` gives named metrics, which go into that step's metrics record
   * (written even off the `logEvery` grid) and the `train.step` event stream's sinks.
   */
  readonly evaluate?: {
    readonly every: number;
    readonly run: (step: number) => Promise<Readonly<Record<string, number>>>;
  };
  /**
   * The data-parallel group (default {@link SINGLE_PROCESS}). Each rank's loader yields its shard
   * of every global batch; the trainer mean-allreduces the gradients (one fused call, before
   * clipping and the optimizer) and the logged loss terms, agrees on `shouldStop` across ranks,
   * and only rank 0 calls `onFirstBatch`, writes the sinks and saves checkpoints.
   */
  readonly processGroup?: ProcessGroup;
}

export interface TrainerResult {
  readonly position: TrainerPosition;
  readonly stoppedEarly: boolean;
  readonly lastCheckpoint: string | undefined;
  /** The loss of the last step this call ran; undefined when it ran none (a finished run resumed). */
  readonly lastLoss: number | undefined;
  /** Optimizer steps this call ran (0 when `start` was already at `totalSteps`). */
  readonly stepsRun: number;
}

/**
 * The step loop: batches from the loader, the method's loss under tfjs autodiff with respect to
 * its trainable variables, gradient accumulation and clipping, the optimizer update, the
 * method's `afterStep` (EMA, queues), metrics and checkpoints. A NaN/Inf loss stops the run
 * before it can touch the weights; the last checkpoint stays the last good state.
 */
export class Trainer {
  private lastCheckpoint: string | undefined;

  constructor(private readonly options: TrainerOptions) {}

  /** Everything a checkpoint stores: the method's variables and the optimizer's slots. */
  static checkpointVariables(method: PretrainMethod, optimizer: Optimizer): NamedVariables {
    const all = new Map<string, tf.Variable>();
    for (const [name, variable] of method.variables()) all.set(`model/${name}`, variable);
    for (const [name, variable] of optimizer.state()) all.set(`optimizer/${name}`, variable);
    return all;
  }

  async run(start: TrainerPosition): Promise<TrainerResult> {
    const { method, loader, totalSteps } = this.options;
    const accumulate = Math.max(1, this.options.accumulate ?? 1);
    let { step, epoch, cursor } = start;
    let lastLoss: number | undefined;
    let firstBatchSeen = false;
    let window = newWindow();
    const startedAt = Date.now();
    let stepsThisRun = 0;

    while (step < totalSteps) {
      const batches = loader.epoch(epoch, cursor)[Symbol.asyncIterator]();
      const freshEpoch = cursor === 0;
      const stepAtEpochStart = step;
      let exhausted = false;
      while (step < totalSteps) {
        const accumulated = new Map<string, tf.Tensor>();
        const termSums: Record<string, number> = {};
        let totalSum = 0;
        let images = 0;
        let micro = 0;
        while (micro < accumulate) {
          const waitStart = performance.now();
          const next = await batches.next();
          window.waitMs += performance.now() - waitStart;
          if (next.done === true) {
            exhausted = true;
            break;
          }
          const host = next.value;
          if (!firstBatchSeen) {
            firstBatchSeen = true;
            if (this.writes) await this.options.onFirstBatch?.(host);
          }
          const context: StepContext = {
            step,
            epoch,
            totalSteps,
            rng: this.options.rng.fork(`step-${step}`).fork(`micro-${micro}`),
          };
          const { total, terms } = this.accumulateGradients(host, context, accumulated);
          totalSum += total / accumulate;
          for (const [name, value] of Object.entries(terms))
            termSums[name] = (termSums[name] ?? 0) + value / accumulate;
          images += host.records.length * this.group.size;
          cursor = host.cursor;
          micro += 1;
        }
        if (micro < accumulate) {
          tf.dispose([...accumulated.values()]);
          break; // the epoch ended inside an accumulation window: its remainder is dropped
        }
        // One small allreduce gives every rank the global loss terms and whether any rank was
        // asked to stop, so that all ranks take the same branches below (a rank alone in a
        // checkpoint or a collective would wait for the others forever).
        const agreed = this.agree(
          totalSum,
          termSums,
          this.group.size > 1 && this.options.shouldStop?.() === true,
        );
        // The scalar the optimizer differentiated, not the sum of the logged terms: a method's
        // terms need not add up to its total (an unweighted diagnostic, a term left out).
        const loss = agreed.total;
        if (!Number.isFinite(loss)) {
          tf.dispose([...accumulated.values()]);
          throw new NonFiniteLossError(step + 1, agreed.terms, this.lastCheckpoint);
        }
        const context: StepContext = {
          step,
          epoch,
          totalSteps,
          rng: this.options.rng.fork(`step-${step}`),
        };
        const lr = this.options.learningRate(step);
        this.update(accumulated, lr, accumulate);
        method.afterStep?.(context);
        step += 1;
        stepsThisRun += 1;
        lastLoss = loss;
        window.images += images;
        window.steps += 1;

        const now = performance.now();
        const elapsedMs = now - window.startedAt;
        const imagesPerSecond = (window.images * 1000) / Math.max(elapsedMs, 1);
        const dataWaitFraction = Math.min(1, window.waitMs / Math.max(elapsedMs, 1));
        const secondsPerStep = (Date.now() - startedAt) / 1000 / stepsThisRun;
        this.options.bus.emit('train.step', {
          step,
          totalSteps,
          epoch,
          loss,
          terms: agreed.terms,
          lr,
          imagesPerSecond,
          dataWaitFraction,
          etaSeconds: secondsPerStep * (totalSteps - step),
        });
        const evaluate = this.options.evaluate;
        const evaluation =
          evaluate !== undefined && (step % evaluate.every === 0 || step === totalSteps)
            ? await evaluate.run(step)
            : undefined;
        if (step % this.options.logEvery === 0 || step === totalSteps || evaluation !== undefined) {
          const momentum = method.emaMomentum?.(context);
          const record = {
            step,
            epoch,
            loss,
            terms: agreed.terms,
            lr,
            ...(momentum === undefined ? {} : { momentum }),
            ...(evaluation === undefined ? {} : { evaluation }),
            imagesPerSecond,
            dataWaitFraction,
            backend: this.options.backend,
            time: Date.now(),
          };
          if (this.writes) for (const sink of this.options.sinks) await sink.write(record);
          window = newWindow();
        }
        // A single process polls here, after the step, as it always has.
        const stop = this.group.size === 1 ? this.options.shouldStop?.() === true : agreed.stop;
        if (step % this.options.checkpointEvery === 0 || step === totalSteps || stop) {
          await this.checkpoint({ step, epoch, cursor });
        }
        if (stop)
          return {
            position: { step, epoch, cursor },
            stoppedEarly: true,
            lastCheckpoint: this.lastCheckpoint,
            lastLoss,
            stepsRun: stepsThisRun,
          };
      }
      if (freshEpoch && step === stepAtEpochStart) {
        throw new SsdetError(
          'DATASET_TOO_SMALL',
          `An epoch of the dataset gave no full step of ${accumulate} × batch: the dataset has fewer usable images than one optimizer step needs.`,
          {
            hint: 'Lower the batch size or gradient accumulation, or add images.',
          },
        );
      }
      if (exhausted || step < totalSteps) {
        epoch += 1;
        cursor = 0;
      }
    }
    return {
      position: { step, epoch, cursor },
      stoppedEarly: false,
      lastCheckpoint: this.lastCheckpoint,
      lastLoss,
      stepsRun: stepsThisRun,
    };
  }

  /** Forward + backward of one micro-batch; adds its gradients to `sums`; returns its loss terms. */
  private accumulateGradients(
    host: HostBatch,
    context: StepContext,
    sums: Map<string, tf.Tensor>,
  ): { total: number; terms: Record<string, number> } {
    const { method } = this.options;
    const batch = collate(host, method.views.viewNames);
    try {
      const trainable = method.trainableVariables();
      const ownName = new Map<string, string>();
      for (const [name, variable] of trainable) ownName.set(variable.name, name);
      let terms: Record<string, number> = {};
      const { value, grads } = tf.variableGrads(() => {
        const output = method.loss(batch, context);
        terms = Object.fromEntries(
          Object.entries(output.terms).map(([name, term]) => [name, term.dataSync()[0]!]),
        );
        return output.total;
      }, [...trainable.values()]);
      const total = value.dataSync()[0]!;
      value.dispose();
      if (Object.keys(terms).length === 0) terms = { loss: total };
      for (const [tfName, gradient] of Object.entries(grads)) {
        const name = ownName.get(tfName)!;
        const previous = sums.get(name);
        if (previous === undefined) {
          sums.set(name, gradient);
        } else {
          sums.set(name, tf.add(previous, gradient));
          tf.dispose([previous, gradient]);
        }
      }
      return { total, terms };
    } finally {
      disposeBatch(batch);
    }
  }

  private update(sums: Map<string, tf.Tensor>, lr: number, accumulate: number): void {
    let gradients = sums;
    if (accumulate > 1) {
      gradients = new Map([...sums].map(([name, sum]) => [name, tf.div(sum, accumulate)]));
      tf.dispose([...sums.values()]);
    }
    if (this.group.size > 1) {
      const shapes = new Map<string, readonly number[]>();
      for (const [name, variable] of this.options.method.trainableVariables())
        shapes.set(name, variable.shape);
      gradients = meanAllreduceGradients(gradients, this.group, shapes);
    }
    const clipped = this.options.clipGradients?.(gradients) ?? gradients;
    this.options.optimizer.apply(clipped, lr);
    tf.dispose([...new Set([...gradients.values(), ...clipped.values()])]);
  }

  /** The rank-mean of the step's loss and terms, and whether any rank must stop. */
  private agree(
    total: number,
    terms: Record<string, number>,
    stop: boolean,
  ): { total: number; terms: Record<string, number>; stop: boolean } {
    if (this.group.size === 1) return { total, terms, stop };
    // The same method logs the same terms in the same order on every rank.
    const names = Object.keys(terms);
    const buffer = Float32Array.from([total, ...names.map((name) => terms[name]!), stop ? 1 : 0]);
    this.group.allreduce([buffer], 'mean');
    return {
      total: buffer[0]!,
      terms: Object.fromEntries(names.map((name, index) => [name, buffer[index + 1]!])),
      stop: buffer[names.length + 1]! > 0,
    };
  }

  private get group(): ProcessGroup {
    return this.options.processGroup ?? SINGLE_PROCESS;
  }

  /** Only rank 0 writes the run: checkpoints, metrics, previews. */
  private get writes(): boolean {
    return this.group.rank === 0;
  }

  private async checkpoint(position: TrainerPosition): Promise<void> {
    if (!this.writes) return;
    const meta: CheckpointMeta = { ...this.options.checkpointMeta, ...position, time: Date.now() };
    const variables = Trainer.checkpointVariables(this.options.method, this.options.optimizer);
    this.lastCheckpoint = await this.options.checkpoints.save(variables, meta);
    this.options.bus.emit('train.checkpoint', { file: this.lastCheckpoint, step: position.step });
  }
}

function newWindow(): { startedAt: number; waitMs: number; images: number; steps: number } {
  return { startedAt: performance.now(), waitMs: 0, images: 0, steps: 0 };
}
