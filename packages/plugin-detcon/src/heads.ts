import type { ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { BatchNorm1d, Linear, collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

export interface DetconMlpOptions {
  readonly inDim: number;
  readonly hiddenDim: number;
  readonly outDim: number;
  readonly rng: Rng;
}

/**
 * DetCon's projector g and predictor q (official `networks.MLP`, BYOL's):
 * `Linear(in, hidden) → BatchNorm → ReLU → Linear(hidden, out)`, the last Linear without bias.
 * Applied to every sampled mask vector, `[N·K, in]`; BatchNorm takes its statistics over all of
 * them (haiku's BatchNorm over every axis but the features), its running statistics with decay 0.9
 * (PyTorch momentum 0.1) and ε 10⁻⁵ (official `norm_config`).
 *
 * Variables as the equivalent `nn.Sequential`: `0` (Linear), `1` (BatchNorm), `3` (Linear).
 * Linear weights are drawn as PyTorch's default (haiku's truncated normal is not in `@ssdet/nn`).
 */
export class DetconMlp implements HasVariables {
  private readonly first: Linear;
  private readonly norm: BatchNorm1d;
  private readonly last: Linear;

  constructor(options: DetconMlpOptions) {
    const { inDim, hiddenDim, outDim, rng } = options;
    this.first = new Linear({
      inFeatures: inDim,
      outFeatures: hiddenDim,
      rng: rng.fork('0'),
      draw: 'forked',
    });
    this.norm = new BatchNorm1d({ numFeatures: hiddenDim });
    this.last = new Linear({
      inFeatures: hiddenDim,
      outFeatures: outDim,
      bias: false,
      rng: rng.fork('3'),
      draw: 'forked',
    });
  }

  /** `[N, in]` → `[N, out]`; `training` puts BatchNorm on batch statistics. */
  forward(x: tf.Tensor2D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() =>
      this.last.forward(tf.relu(this.norm.forward(this.first.forward(x), options))),
    );
  }

  variables(): NamedVariables {
    return collectVariables([
      ['0', this.first],
      ['1', this.norm],
      ['3', this.last],
    ]);
  }
}
