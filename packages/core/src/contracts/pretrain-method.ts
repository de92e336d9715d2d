import type { Batch } from './batch.js';
import type { LossOutput } from './loss.js';
import type { HasVariables, NamedVariables } from './parameters.js';
import type { RegionSource } from './region-source.js';
import type { ViewGenerator } from './view-generator.js';
import type { Rng } from '../random/rng.js';
import type { ParameterGroup } from './parameter-group.js';

/** Where the trainer is, passed to every step. */
export interface StepContext {
  /** 0-based optimizer step. */
  readonly step: number;
  readonly epoch: number;
  readonly totalSteps: number;
  /** A stream for this step's randomness (dropout, query shuffles, jitter), forked from the run's. */
  readonly rng: Rng;
}

/**
 * One paper's pre-training: which views and regions it needs, and the loss of one batch.
 *
 * The trainer calls `loss` inside tfjs autodiff with respect to `trainableVariables()`, applies
 * the optimizer, then calls `afterStep` (momentum-encoder update, queue enqueue). Everything in
 * `variables()` — online and target networks, queues, BatchNorm buffers — is checkpointed.
 */
export interface PretrainMethod extends HasVariables {
  /** The plugin's name, e.g. `densecl`. */
  readonly name: string;
  readonly views: ViewGenerator;
  /** Present when the method learns from unsupervised regions (SoCo, DETReg, DetCon, UP-DETR). */
  readonly regions?: RegionSource;
  /**
   * True when `train.syncBn` (`--sync-bn`) synchronises this method's BatchNorm statistics over
   * the processes of a data-parallel run (SoCo). The trainer warns when `train.syncBn` is set
   * for a method without it, where the setting has no effect.
   */
  readonly syncBatchNorm?: boolean;
  /** The variables the optimizer updates; frozen parts and EMA targets are excluded. */
  trainableVariables(): NamedVariables;
  loss(batch: Batch, context: StepContext): LossOutput;
  afterStep?(context: StepContext): void;
  /** The EMA momentum in effect at `context` (MoCo/BYOL targets), for the metrics. */
  emaMomentum?(context: StepContext): number;
  /**
   * How the trainable variables split into optimizer parameter groups (lr multipliers, LARS
   * exclusions). Default: one group holding `trainableVariables()`.
   */
  parameterGroups?(): readonly ParameterGroup[];
  /**
   * What `ssdet export` writes, by artifact name: always `backbone`; DETR-family methods add
   * `detector` (transformer and heads), SoCo adds `fpn` and `head`.
   */
  exports(): Readonly<Record<string, NamedVariables>>;
}
