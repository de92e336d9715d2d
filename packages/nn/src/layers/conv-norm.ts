import type { ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from './batch-norm-2d.js';
import { Conv2d } from './conv2d.js';
import type { WeightInit } from './initializers.js';
import { collectVariables } from './named-variables.js';

export interface ConvNormOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  /** Symmetric padding; default `⌊kernelSize/2⌋` (size-preserving at stride 1). */
  readonly padding?: number;
  /** Adds a BatchNorm2d named `norm`; the convolution then has no bias. */
  readonly batchNorm: boolean;
  readonly init: WeightInit;
  readonly rng: Rng;
}

/**
 * detectron2's `layers.Conv2d(..., norm=...)`: a convolution (`weight`, and `bias` when there is
 * no norm, initialised to 0) followed by an optional BatchNorm2d whose variables are `norm.*`.
 */
export class ConvNorm implements HasVariables {
  private readonly conv: Conv2d;
  private readonly norm: BatchNorm2d | undefined;

  constructor(options: ConvNormOptions) {
    this.conv = new Conv2d({
      inChannels: options.inChannels,
      outChannels: options.outChannels,
      kernelSize: options.kernelSize,
      padding: options.padding ?? Math.floor(options.kernelSize / 2),
      bias: !options.batchNorm,
      init: options.init,
      biasInit: 'zeros',
      rng: options.rng,
    });
    this.norm = options.batchNorm
      ? new BatchNorm2d({ numFeatures: options.outChannels })
      : undefined;
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => {
      const y = this.conv.forward(x);
      return this.norm === undefined ? y : this.norm.forward(y, options);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['', this.conv],
      ...(this.norm === undefined ? [] : [['norm', this.norm] as const]),
    ]);
  }
}
