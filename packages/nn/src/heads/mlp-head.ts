import {
  SsdetError,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm1d } from '../layers/batch-norm-1d.js';
import { Linear } from '../layers/linear.js';
import { collectVariables } from '../layers/named-variables.js';

export interface MlpHeadOptions {
  readonly inDim: number;
  readonly hiddenDim: number;
  readonly outDim: number;
  /** BatchNorm1d between the first Linear and the ReLU. Default true (BYOL, SoCo); false for MoCo v2 / DenseCL's global neck. */
  readonly batchNorm?: boolean;
  /** BatchNorm1d after the last Linear (SimSiam's projector). Default false. */
  readonly lastBatchNorm?: boolean;
  /** Bias on both Linear layers. Default true. */
  readonly bias?: boolean;
  readonly rng: Rng;
}

/**
 * The two-layer projector/predictor of self-supervised methods: `Linear → [BN] → ReLU → Linear → [BN]`
 * on `[N, inDim]` features. BYOL (Grill et al., NeurIPS 2020) and SoCo (Wei et al., NeurIPS 2021)
 * use `Linear(d, 4096) → BN → ReLU → Linear(4096, 256)`; MoCo v2 / DenseCL's global neck use it
 * without BN after a global average pool (`globalAvgPool`).
 *
 * Variables are named like the equivalent `nn.Sequential`: with BN `0` (Linear), `1` (BN),
 * `3` (Linear), `4` (last BN); without BN `0`, `2`, `3`.
 */
export class MlpHead implements HasVariables {
  readonly outDim: number;
  private readonly layers: readonly (readonly [string, Linear | BatchNorm1d | 'relu'])[];

  constructor(options: MlpHeadOptions) {
    const { inDim, hiddenDim, outDim, rng } = options;
    for (const [field, value] of [
      ['inDim', inDim],
      ['hiddenDim', hiddenDim],
      ['outDim', outDim],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new SsdetError(
          'NN_BAD_OPTION',
          `MlpHead option "${field}" must be a positive integer; got ${value}.`,
        );
      }
    }
    const bias = options.bias ?? true;
    const sequence: (Linear | BatchNorm1d | 'relu')[] = [
      new Linear({
        inFeatures: inDim,
        outFeatures: hiddenDim,
        bias,
        rng: rng.fork('0'),
        draw: 'forked',
      }),
    ];
    if (options.batchNorm ?? true) sequence.push(new BatchNorm1d({ numFeatures: hiddenDim }));
    sequence.push('relu');
    sequence.push(
      new Linear({
        inFeatures: hiddenDim,
        outFeatures: outDim,
        bias,
        rng: rng.fork(String(sequence.length)),
        draw: 'forked',
      }),
    );
    if (options.lastBatchNorm ?? false) sequence.push(new BatchNorm1d({ numFeatures: outDim }));
    this.layers = sequence.map((layer, i) => [String(i), layer] as const);
    this.outDim = outDim;
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() =>
      this.layers.reduce<tf.Tensor2D>((y, [, layer]) => {
        if (layer === 'relu') return tf.relu(y);
        return layer instanceof Linear ? layer.forward(y) : layer.forward(y, options);
      }, x),
    );
  }

  variables(): NamedVariables {
    return collectVariables(
      this.layers.flatMap(([name, layer]) => (layer === 'relu' ? [] : [[name, layer] as const])),
    );
  }
}
