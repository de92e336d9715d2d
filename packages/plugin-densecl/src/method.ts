import type {
  Backbone,
  Batch,
  LossOutput,
  NamedVariables,
  PretrainMethod,
  ProcessGroup,
  Rng,
  StepContext,
  ViewGenerator,
} from '@ssdet/core';
import { SINGLE_PROCESS, SsdetError } from '@ssdet/core';
import {
  collectVariables,
  concatAllGather,
  constantMomentum,
  encodeShuffledAcrossRanks,
  MemoryQueue,
  MomentumPairs,
  replicaForwardOptions,
  trainableVariables,
} from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { DenseclConfig } from './config.js';
import { denseclObjective } from './densecl-objective.js';
import { DenseCLEncoder, type BackboneInit, type DenseCLEncoding } from './encoder.js';
import { lossLambdaAt } from './loss-lambda.js';

/** The stages DenseCL is built from, resolved by name in the run container (see plugin.ts). */
export interface DenseCLStages {
  /**
   * `backbone.arch` from the stage registry (any backbone with a `C5` level), drawn as `init`
   * says: the plugin passes `init` on to `buildBackbone` (the config's `init.backboneConv` and
   * `init.zeroInitResidual`).
   */
  readonly createBackbone: (rng: Rng, init: BackboneInit) => Backbone;
  /** Two MoCo v2 views named `query` and `key` (the `mocov2` view recipe). */
  readonly views: ViewGenerator;
}

/**
 * DenseCL as a {@link PretrainMethod} (Wang et al., CVPR 2021; official `DenseCL.forward_train`).
 *
 * Per step: the query encoder θ_q encodes the `query` view and the momentum key encoder θ_k the
 * `key` view (shuffle-BN groups, see {@link encodeInGroups}); the objective is
 * `(1 − λ)·L_q + λ·L_r`. After the optimizer step, `afterStep` moves θ_k towards θ_q
 * (θ_k ← m·θ_k + (1 − m)·θ_q, parameters only, as the official code) and pushes this step's keys
 * into the two queues. The official code does the momentum update at the start of the next
 * forward instead; that is the same sequence of operations.
 *
 * Variables: `encoder_q.backbone.*`, `encoder_q.neck.*` (trained), `encoder_k.*` (EMA copy),
 * `queue`/`queue_ptr` (global keys), `queue2`/`queue2_ptr` (pooled dense keys) — the official
 * names, with queues stored `[K, D]`. `exports().backbone` is θ_q's ResNet with torchvision names.
 *
 * Data-parallel (`group` of N ranks, each with its shard of the global batch): the
 * `shuffleBnGroups` groups span the global batch (`shuffleBnGroups / N` per rank), the keys are
 * shuffled across ranks ({@link encodeShuffledAcrossRanks}) and all-gathered before enqueueing,
 * so N ranks train exactly as one process with the global batch and the same groups.
 */
export class DenseCLMethod implements PretrainMethod {
  readonly name = 'densecl';
  readonly views: ViewGenerator;
  readonly query: DenseCLEncoder;
  readonly key: DenseCLEncoder;
  readonly queue: MemoryQueue;
  readonly denseQueue: MemoryQueue;
  private readonly momentumPairs: MomentumPairs;
  /** Keys of the steps since the last `afterStep` (one entry per micro-batch), kept until enqueued. */
  private pending: { keys: tf.Tensor2D; denseKeys: tf.Tensor2D }[] = [];
  /** Shuffle-BN groups on this rank: `shuffleBnGroups` over the ranks. */
  private readonly localGroups: number;

  constructor(
    readonly config: DenseclConfig,
    rng: Rng,
    stages: DenseCLStages,
    private readonly group: ProcessGroup = SINGLE_PROCESS,
  ) {
    if (config.shuffleBnGroups % group.size !== 0)
      throw new SsdetError(
        'SHUFFLE_BN_GROUPS_RANKS',
        `DenseCL shuffleBnGroups = ${config.shuffleBnGroups} spans the global batch and must be a multiple of the ${group.size} processes; set shuffleBnGroups to a multiple of ${group.size} that divides train.batchSize.`,
      );
    this.localGroups = config.shuffleBnGroups / group.size;
    this.views = stages.views;
    const encoderOptions = {
      createBackbone: stages.createBackbone,
      hiddenDim: config.neck.hiddenDim,
      outDim: config.neck.outDim,
      init: config.init,
    };
    this.query = new DenseCLEncoder({ ...encoderOptions, rng: rng.fork('encoder_q') });
    // Built with its own stream, then overwritten by θ_q (the official `param_k.data.copy_(param_q.data)`).
    this.key = new DenseCLEncoder({ ...encoderOptions, rng: rng.fork('encoder_k') });
    // MoCo's EMA of parameters only; θ_k keeps its own BatchNorm statistics.
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.query, this.key]],
      schedule: constantMomentum(config.momentum),
      buffers: 'keep',
    });
    this.queue = new MemoryQueue({
      size: config.queueSize,
      dim: config.neck.outDim,
      rng: rng.fork('queue'),
    });
    this.denseQueue = new MemoryQueue({
      size: config.queueSize,
      dim: config.neck.outDim,
      rng: rng.fork('queue2'),
    });
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([
        ['encoder_q', this.query],
        ['encoder_k', this.key],
      ]),
      ['queue', this.queue.queue],
      ['queue_ptr', this.queue.pointer],
      ['queue2', this.denseQueue.queue],
      ['queue2_ptr', this.denseQueue.pointer],
    ]);
  }

  /** θ_q's parameters: backbone and both heads (not BatchNorm buffers, not θ_k, not the queues). */
  trainableVariables(): NamedVariables {
    return trainableVariables(collectVariables([['encoder_q', this.query]]));
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const lambda = lossLambdaAt(context.step, this.config.lossLambda, this.config.warmupSteps);
    const { group, localGroups } = this;
    const queryImages = batch.views['query']!.images;
    const keyImages = batch.views['key']!.images;
    const encode =
      (encoder: DenseCLEncoder) =>
      (images: tf.Tensor4D, group: number): DenseCLEncoding =>
        encoder.forward(images, replicaForwardOptions(group));
    return tf.tidy(() => {
      const query = encodeShuffledAcrossRanks(queryImages, group, localGroups, encode(this.query));
      // θ_k is not trainable, so autodiff gives it no gradient: the official `torch.no_grad()`.
      // The step stream is the same on every rank: all draw the one permutation of the global
      // batch (the official code broadcasts rank 0's).
      const order = context.rng.fork('shuffle-bn').permutation(keyImages.shape[0] * group.size);
      const key = encodeShuffledAcrossRanks(keyImages, group, localGroups, encode(this.key), order);
      const objective = denseclObjective({
        query,
        key,
        queue: this.queue.queue,
        denseQueue: this.denseQueue.queue,
        temperature: this.config.temperature,
        lambda,
      });
      this.pending.push({ keys: tf.keep(objective.keys), denseKeys: tf.keep(objective.denseKeys) });
      return { total: objective.total, terms: objective.terms };
    });
  }

  /** After the optimizer step: the momentum update of θ_k, then the step's keys into the queues. */
  afterStep(context: StepContext): void {
    this.momentumPairs.update(context);
    for (const { keys, denseKeys } of this.pending) {
      if (this.group.size === 1) {
        this.queue.enqueue(keys);
        this.denseQueue.enqueue(denseKeys);
      } else {
        // Every rank enqueues the global batch's keys, in rank order (`concat_all_gather`).
        const [allKeys, allDense] = [keys, denseKeys].map((part) =>
          concatAllGather(part, this.group),
        );
        this.queue.enqueue(allKeys!);
        this.denseQueue.enqueue(allDense!);
        tf.dispose([allKeys!, allDense!]);
      }
      tf.dispose([keys, denseKeys]);
    }
    this.pending = [];
  }

  emaMomentum(context: StepContext): number {
    return this.momentumPairs.momentumAt(context);
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { backbone: this.query.backbone.variables() };
  }

  /** Frees every variable and pending key (for library users running several methods in one process). */
  dispose(): void {
    tf.dispose([
      ...this.variables().values(),
      ...this.pending.flatMap(({ keys, denseKeys }) => [keys, denseKeys]),
    ]);
    this.pending = [];
  }
}
