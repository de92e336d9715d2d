import {
  SsdetError,
  batchNormTraining,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type ProcessGroup,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from './named-variables.js';
import { syncBatchNormTraining } from './sync-batch-norm-training.js';

export interface BatchNormOptions {
  readonly numFeatures: number;
  /** Default 1e-5, as PyTorch's. */
  readonly eps?: number;
  /** Weight of the new batch statistic in the running average; default 0.1, as PyTorch's. */
  readonly momentum?: number;
}

/**
 * Batch normalisation with PyTorch's semantics over the channel axis (last, NHWC), shared by
 * {@link BatchNorm2d} and {@link BatchNorm1d}.
 *
 * Training: `y = γ·(x − μ_B)/√(σ²_B + ε) + β` with the batch mean `μ_B` and *biased* batch variance
 * `σ²_B` over every axis but the channel; then, as a side effect,
 * `running_mean ← (1 − m)·running_mean + m·μ_B`, `running_var ← (1 − m)·running_var + m·σ²_B·n/(n − 1)`
 * (the *unbiased* variance, `n` values per channel), `num_batches_tracked += 1`.
 * Evaluation: `y = γ·(x − running_mean)/√(running_var + ε) + β`.
 * Ioffe & Szegedy, "Batch Normalization", ICML 2015; `torch.nn.BatchNorm2d`.
 *
 * Variables: `weight` (γ) and `bias` (β) trainable; `running_mean`, `running_var` and
 * `num_batches_tracked` (int32) are buffers (`trainable = false`).
 */
export abstract class BatchNorm implements HasVariables {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;

  /** The input rank this normalisation accepts (4 for NHWC maps, 2 for `[N, C]`). */
  protected abstract readonly inputRank: number;
  protected abstract readonly layerName: string;

  constructor(options: BatchNormOptions) {
    const { numFeatures } = options;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `BatchNorm option "numFeatures" must be a positive integer; got ${numFeatures}.`,
      );
    }
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = variableFrom(() => tf.ones([numFeatures]));
    this.bias = variableFrom(() => tf.zeros([numFeatures]));
    this.runningMean = variableFrom(() => tf.zeros([numFeatures]), false);
    this.runningVar = variableFrom(() => tf.ones([numFeatures]), false);
    this.numBatchesTracked = variableFrom(() => tf.scalar(0, 'int32'), false);
  }

  forward<T extends tf.Tensor>(x: T, options: ForwardOptions): T {
    if (x.rank !== this.inputRank || x.shape[x.rank - 1] !== this.numFeatures) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `${this.layerName} expects rank-${this.inputRank} input with ${this.numFeatures} channels last; got shape [${x.shape.join(', ')}].`,
      );
    }
    return options.training
      ? this.forwardTraining(x, options.updateRunningStats ?? true, options.syncGroup)
      : this.forwardEval(x);
  }

  variables(): NamedVariables {
    return new Map<string, tf.Variable>([
      ['weight', this.weight],
      ['bias', this.bias],
      ['running_mean', this.runningMean],
      ['running_var', this.runningVar],
      ['num_batches_tracked', this.numBatchesTracked],
    ]);
  }

  private forwardEval<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps)));
      const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
      return tf.add(tf.mul(x, scale), shift) as T;
    });
  }

  private forwardTraining<T extends tf.Tensor>(
    x: T,
    updateRunningStats: boolean,
    syncGroup: ProcessGroup | undefined,
  ): T {
    let count = x.size / this.numFeatures;
    if (count < 2) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `${this.layerName} in training mode needs more than one value per channel; got input shape [${x.shape.join(', ')}].`,
        { hint: 'Use a batch larger than 1, or evaluation mode.' },
      );
    }
    // Core's op rather than tf.batchNorm: that one's gradient only handles rank-4 input with
    // rank-1 stats, and core's runs as one fused kernel when the backend has it (native).
    let result: { y: T; mean: tf.Tensor1D; variance: tf.Tensor1D };
    if (syncGroup !== undefined && syncGroup.size > 1) {
      const synced = syncBatchNormTraining(
        x,
        this.weight as tf.Tensor1D,
        this.bias as tf.Tensor1D,
        this.eps,
        syncGroup,
      );
      count = synced.count;
      result = synced;
    } else {
      result = batchNormTraining(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, this.eps);
    }
    const { y, mean, variance } = result;
    if (updateRunningStats)
      tf.tidy(() => {
        const m = this.momentum;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(
          tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))),
        );
        this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
      });
    mean.dispose();
    variance.dispose();
    return y;
  }
}
