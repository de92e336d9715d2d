import type { Variable } from '@tensorflow/tfjs-core';
import type { ProcessGroup } from '../distributed/process-group.js';

/**
 * Variables by dotted name, using torchvision's naming where one exists
 * (`layer1.0.conv1.weight`, `layer1.0.bn1.running_mean`). Trainable parameters have
 * `variable.trainable === true`; buffers such as BatchNorm running statistics do not.
 * Layout is tfjs's: NHWC activations, HWIO convolution kernels.
 */
export type NamedVariables = ReadonlyMap<string, Variable>;

/** Anything that owns variables: backbones, necks, heads, whole methods. */
export interface HasVariables {
  /** Every variable this component owns, trainable or not, by name. */
  variables(): NamedVariables;
}

/** Whether a forward pass is a training pass (BatchNorm batch statistics, dropout on). */
export interface ForwardOptions {
  readonly training: boolean;
  /**
   * Training passes only: whether BatchNorm folds this pass's statistics into its running
   * averages (default `true`). Off for the sub-batches of an emulated multi-GPU step but one,
   * since under DDP each replica updates its own buffers once and rank 0's are the ones kept.
   */
  readonly updateRunningStats?: boolean;
  /**
   * Training passes only: BatchNorm statistics over the global batch of this data-parallel group
   * (SyncBN; `--sync-bn`). Absent or a group of one: statistics over this process's batch.
   */
  readonly syncGroup?: ProcessGroup;
}
