import type { Backbone, ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { DenseCLNeck, type DenseCLNeckOutput } from './heads.js';

export interface DenseCLEncoderOptions {
  /** Builds this encoder's backbone (any registered backbone with a `C5` level) from a stream. */
  readonly createBackbone: (rng: Rng) => Backbone;
  readonly hiddenDim: number;
  readonly outDim: number;
  readonly rng: Rng;
}

/** One encoder's outputs for a batch: the backbone's C5 and the neck's projections. */
export interface DenseCLEncoding extends DenseCLNeckOutput {
  /** `[N, S, S, C]`, the features the dense correspondence is computed from. */
  readonly c5: tf.Tensor4D;
}

/**
 * Backbone + neck, the official `nn.Sequential(ResNet, DenseCLNeck)`: the query encoder θ_q, and
 * (a second instance) the momentum key encoder θ_k.
 *
 * Variables: `backbone.<torchvision name>` and `neck.<DenseCLNeck name>`.
 */
export class DenseCLEncoder implements HasVariables {
  readonly backbone: Backbone;
  readonly neck: DenseCLNeck;

  constructor(options: DenseCLEncoderOptions) {
    this.backbone = options.createBackbone(options.rng.fork('backbone'));
    const c5 = this.backbone.levels.find((level) => level.name === 'C5')!;
    this.neck = new DenseCLNeck({
      inChannels: c5.channels,
      hiddenDim: options.hiddenDim,
      outDim: options.outDim,
      rng: options.rng.fork('neck'),
    });
  }

  /** `images` `[N, H, W, 3]` → C5 and its projections. `training` puts BatchNorm on batch statistics. */
  forward(images: tf.Tensor4D, options: ForwardOptions): DenseCLEncoding {
    return tf.tidy(() => {
      const c5 = this.backbone.forward(images, options)['C5']!;
      return { c5, ...this.neck.forward(c5) };
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['neck', this.neck],
    ]);
  }
}
