import {
  SINGLE_PROCESS,
  SsdetError,
  type Backbone,
  type Batch,
  type LossOutput,
  type NamedVariables,
  type ParameterGroup,
  type PretrainMethod,
  type ProcessGroup,
  type Rng,
  type StepContext,
  type ViewGenerator,
} from '@ssdet/core';
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
import type { DetcoConfig } from './config.js';
import { detcoObjective, type DetcoEmbeddings } from './detco-objective.js';
import { DetcoEncoder } from './encoder.js';
import { DETCO_STAGES, type DetcoStage, type StageFeatures } from './heads.js';
import { DETCO_VIEW_NAMES } from './views.js';

/** The stages DetCo is built from, resolved by name in the run container (see plugin.ts). */
export interface DetcoStages {
  /** `backbone.arch` from the stage registry: any backbone with levels C2–C5. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** The four views of {@link DETCO_VIEW_NAMES} (see views.ts). */
  readonly views: ViewGenerator;
}

type StageQueues = Record<DetcoStage, MemoryQueue>;

/** Where θ_q's four local MLPs live among the trainable variables. */
const LOCAL_HEADS_PREFIX = 'encoder_q.heads.local_mlps.';
type PendingKeys = {
  global: Record<DetcoStage, tf.Tensor2D>;
  local: Record<DetcoStage, tf.Tensor2D>;
};

/**
 * DetCo as a {@link PretrainMethod} (Xie et al., ICCV 2021, §3 and fig. 2). Per step:
 *
 * 1. θ_q encodes the global view I_q and the patch set P_q; θ_k (the momentum encoder) encodes
 *    I_k and P_k, its images dealt to shuffle-BN groups in a random order (the same order for
 *    both of its inputs) — {@link encodeShuffledAcrossRanks}, the code path DenseCL uses;
 * 2. each encoder gives, per stage res2…res5, a global and a local embedding;
 * 3. the loss is Σ_i w_i (L_g↔g + L_l↔l + L_l↔g) ({@link detcoObjective}) against eight queues;
 * 4. after the optimizer step, `afterStep` moves θ_k towards θ_q (θ_k ← m·θ_k + (1 − m)·θ_q,
 *    parameters only, declared with {@link MomentumPairs}) and pushes the step's keys into the
 *    queues: global keys into Queue_g of their stage, local keys into Queue_l.
 *
 * Variables: `encoder_q.*` (trained), `encoder_k.*` (EMA copy), `queue_g.<stage>.queue`/`queue_ptr`
 * and `queue_l.<stage>.*` (the paper's Queue_g/l; `[K, D]` each). `exports().backbone` is θ_q's
 * backbone with torchvision names.
 *
 * Data-parallel (`group` of N ranks, each with its shard of the global batch), as DenseCL: the
 * `shuffleBnGroups` groups span the global batch (`shuffleBnGroups / N` per rank), θ_k's images
 * are shuffled across ranks (MoCo's `_batch_shuffle_ddp` / `_batch_unshuffle_ddp`, one permutation
 * of the global batch for both of its inputs) and every stage's global and local keys are
 * all-gathered before enqueueing (`concat_all_gather`), so that N ranks train exactly as one
 * process with the global batch and the same groups, and every rank holds the same queues.
 */
export class DetcoMethod implements PretrainMethod {
  readonly name = 'detco';
  readonly views: ViewGenerator;
  readonly query: DetcoEncoder;
  readonly key: DetcoEncoder;
  readonly globalQueues: Readonly<StageQueues>;
  readonly localQueues: Readonly<StageQueues>;
  private readonly momentumPairs: MomentumPairs;
  /** Keys of the micro-batches since the last `afterStep`, kept until they are enqueued. */
  private pending: PendingKeys[] = [];
  /** Shuffle-BN groups on this rank: `shuffleBnGroups` over the ranks. */
  private readonly localGroups: number;

  constructor(
    readonly config: DetcoConfig,
    rng: Rng,
    stages: DetcoStages,
    private readonly group: ProcessGroup = SINGLE_PROCESS,
  ) {
    if (config.shuffleBnGroups % group.size !== 0)
      throw new SsdetError(
        'SHUFFLE_BN_GROUPS_RANKS',
        `DetCo shuffleBnGroups = ${config.shuffleBnGroups} spans the global batch and must be a multiple of the ${group.size} processes; set shuffleBnGroups to a multiple of ${group.size} that divides train.batchSize.`,
      );
    this.localGroups = config.shuffleBnGroups / group.size;
    this.views = stages.views;
    const encoderOptions = {
      createBackbone: stages.createBackbone,
      patches: config.jigsaw.grid ** 2,
      outDim: config.heads.outDim,
      hiddenScale: config.heads.hiddenScale,
      linearInit: config.heads.init,
    };
    this.query = new DetcoEncoder({ ...encoderOptions, rng: rng.fork('encoder_q') });
    // Built with its own stream, then overwritten by θ_q (MoCo's `param_k.data.copy_(param_q.data)`).
    this.key = new DetcoEncoder({ ...encoderOptions, rng: rng.fork('encoder_k') });
    // MoCo's EMA of parameters only; θ_k keeps its own BatchNorm statistics.
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.query, this.key]],
      schedule: constantMomentum(config.momentum),
      buffers: 'keep',
    });
    const queues = (kind: string): StageQueues => {
      const out = {} as StageQueues;
      for (const stage of DETCO_STAGES) {
        out[stage] = new MemoryQueue({
          size: config.queueSize,
          dim: config.heads.outDim,
          rng: rng.fork(`queue_${kind}.${stage}`),
        });
      }
      return out;
    };
    this.globalQueues = queues('g');
    this.localQueues = queues('l');
  }

  variables(): NamedVariables {
    return collectVariables([
      ['encoder_q', this.query],
      ['encoder_k', this.key],
      ...DETCO_STAGES.map((stage) => [`queue_g.${stage}`, this.globalQueues[stage]] as const),
      ...DETCO_STAGES.map((stage) => [`queue_l.${stage}`, this.localQueues[stage]] as const),
    ]);
  }

  /** θ_q's parameters: backbone and all eight heads (not its BN buffers, not θ_k, not the queues). */
  trainableVariables(): NamedVariables {
    return trainableVariables(collectVariables([['encoder_q', this.query]]));
  }

  /**
   * One learning rate for everything (paper), unless `heads.localLrMultiplier` sets the four local
   * heads' apart: then θ_q's local MLPs form a second group at that multiple of the schedule.
   */
  parameterGroups(): readonly ParameterGroup[] {
    const all = this.trainableVariables();
    const multiplier = this.config.heads.localLrMultiplier;
    if (multiplier === 1) return [{ name: 'all', variables: all }];
    const isLocalHead = (name: string): boolean => name.startsWith(LOCAL_HEADS_PREFIX);
    return [
      { name: 'all', variables: new Map([...all].filter(([name]) => !isLocalHead(name))) },
      {
        name: 'local_heads',
        variables: new Map([...all].filter(([name]) => isLocalHead(name))),
        lrMultiplier: multiplier,
      },
    ];
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const [queryImages, keyImages, queryPatches, keyPatches] = DETCO_VIEW_NAMES.map((name) =>
      this.images(batch, name),
    ) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { group, localGroups } = this;
    // Only the backbones run per shuffle-BN group (BatchNorm lives there); the heads project the
    // whole batch at once, so every head weight — 340 M parameters in res5's local head at
    // ResNet-50 — gets one gradient per step instead of one per group and their sum.
    // Under shuffle-BN across ranks the pooled features (not the images' embeddings) are what
    // travels back to each image's own rank.
    type Pool = (images: tf.Tensor4D, globalGroup: number) => StageFeatures;
    const global =
      (encoder: DetcoEncoder): Pool =>
      (images, globalGroup) =>
        encoder.poolGlobal(images, replicaForwardOptions(globalGroup));
    const local =
      (encoder: DetcoEncoder): Pool =>
      (images, globalGroup) =>
        encoder.poolLocal(images, replicaForwardOptions(globalGroup));
    const encode = (images: tf.Tensor4D, pool: Pool, order?: readonly number[]) =>
      encodeShuffledAcrossRanks(images, group, localGroups, pool, order);
    return tf.tidy(() => {
      const query: DetcoEmbeddings = {
        global: this.query.heads.projectGlobal(encode(queryImages, global(this.query))),
        local: this.query.heads.projectLocal(encode(queryPatches, local(this.query))),
      };
      // θ_k is not trainable, so autodiff gives it no gradient: MoCo's `torch.no_grad()`.
      // The step stream is the same on every rank: all draw the one permutation of the global
      // batch (the official code broadcasts rank 0's).
      const order = context.rng.fork('shuffle-bn').permutation(keyImages.shape[0] * group.size);
      const key: DetcoEmbeddings = {
        global: this.key.heads.projectGlobal(encode(keyImages, global(this.key), order)),
        local: this.key.heads.projectLocal(encode(keyPatches, local(this.key), order)),
      };
      const objective = detcoObjective({
        query,
        key,
        queues: { global: this.queueTensors('global'), local: this.queueTensors('local') },
        temperature: this.config.temperature,
        stageWeights: this.config.stageWeights,
      });
      this.pending.push({
        global: keepAll(objective.keys.global),
        local: keepAll(objective.keys.local),
      });
      return { total: objective.total, terms: objective.terms };
    });
  }

  /** After the optimizer step: the momentum update of θ_k, then the step's keys into the queues. */
  afterStep(context: StepContext): void {
    this.momentumPairs.update(context);
    for (const keys of this.pending) {
      for (const stage of DETCO_STAGES) {
        this.enqueue(this.globalQueues[stage], keys.global[stage]);
        this.enqueue(this.localQueues[stage], keys.local[stage]);
      }
      tf.dispose([...Object.values(keys.global), ...Object.values(keys.local)]);
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
      ...this.pending.flatMap((keys) => [
        ...Object.values(keys.global),
        ...Object.values(keys.local),
      ]),
    ]);
    this.pending = [];
  }

  /** Every rank enqueues the global batch's keys, in rank order (`concat_all_gather`). */
  private enqueue(queue: MemoryQueue, keys: tf.Tensor2D): void {
    if (this.group.size === 1) {
      queue.enqueue(keys);
      return;
    }
    const all = concatAllGather(keys, this.group);
    queue.enqueue(all);
    all.dispose();
  }

  private queueTensors(kind: 'global' | 'local'): Record<DetcoStage, tf.Tensor2D> {
    const queues = kind === 'global' ? this.globalQueues : this.localQueues;
    const out = {} as Record<DetcoStage, tf.Tensor2D>;
    for (const stage of DETCO_STAGES) out[stage] = queues[stage].queue;
    return out;
  }

  private images(batch: Batch, name: string): tf.Tensor4D {
    const view = batch.views[name];
    if (view === undefined)
      throw new SsdetError(
        'DETCO_BAD_BATCH',
        `detco needs view "${name}"; the batch has ${Object.keys(batch.views).join(', ') || 'none'}.`,
        { hint: 'Build the batch from the views of method.views.' },
      );
    return view.images;
  }
}

function keepAll(
  tensors: Readonly<Record<DetcoStage, tf.Tensor2D>>,
): Record<DetcoStage, tf.Tensor2D> {
  const out = {} as Record<DetcoStage, tf.Tensor2D>;
  for (const stage of DETCO_STAGES) out[stage] = tf.keep(tensors[stage]);
  return out;
}
