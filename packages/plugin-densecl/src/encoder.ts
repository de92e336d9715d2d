import type {
  Backbone,
  BackboneRequest,
  ForwardOptions,
  HasVariables,
  NamedVariables,
  Rng,
} from '@ssdet/core';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { DenseclInit } from './config.js';
import { DenseCLNeck, type DenseCLNeckOutput } from './heads.js';

/** How a backbone is first drawn, as `buildBackbone` takes it (`BackboneRequest.init`). */
export type BackboneInit = NonNullable<BackboneRequest['init']>;

export interface DenseCLEncoderOptions {
  /**
   * Builds this encoder's backbone (any registered backbone with a `C5` level) from a stream,
   * initialised as `init` says (pass it on to `buildBackbone`).
   */
  readonly createBackbone: (rng: Rng, init: BackboneInit) => Backbone;
  readonly hiddenDim: number;
  readonly outDim: number;
  /** The config's `init` section (OpenSelfSup's by default). */
  readonly init: DenseclInit;
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
    const { init } = options;
    this.backbone = options.createBackbone(options.rng.fork('backbone'), {
      conv: init.backboneConv,
      zeroInitResidual: init.zeroInitResidual,
    });
    const c5 = this.backbone.levels.find((level) => level.name === 'C5')!;
    this.neck = new DenseCLNeck({
      inChannels: c5.channels,
      hiddenDim: options.hiddenDim,
      outDim: options.outDim,
      linearInit: init.neckLinear,
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
