import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../layers/conv2d.js';
import { collectVariables } from '../layers/named-variables.js';

export interface DenseHeadOptions {
  readonly inChannels: number;
  readonly hiddenChannels: number;
  readonly outChannels: number;
  readonly rng: Rng;
}

/**
 * A per-pixel projector, `1×1 conv → ReLU → 1×1 conv` on NHWC maps: DenseCL's dense neck
 * (Wang et al., "Dense Contrastive Learning", CVPR 2021: 2048 → 2048 → 128 on C5). An MLP applied
 * to every location independently.
 *
 * Variables as `nn.Sequential(conv, relu, conv)`: `0.weight`, `0.bias`, `2.weight`, `2.bias`.
 */
export class DenseHead implements HasVariables {
  private readonly first: Conv2d;
  private readonly second: Conv2d;

  constructor(options: DenseHeadOptions) {
    this.first = new Conv2d({
      inChannels: options.inChannels,
      outChannels: options.hiddenChannels,
      kernelSize: 1,
      rng: options.rng.fork('0'),
    });
    this.second = new Conv2d({
      inChannels: options.hiddenChannels,
      outChannels: options.outChannels,
      kernelSize: 1,
      rng: options.rng.fork('2'),
    });
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.second.forward(tf.relu(this.first.forward(x))));
  }

  variables(): NamedVariables {
    return collectVariables([
      ['0', this.first],
      ['2', this.second],
    ]);
  }
}
