import type { Backbone, ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { MlpHead, collectVariables, globalAvgPool } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

export interface __Name__EncoderOptions {
  /** Builds this encoder's backbone (any registered backbone with a `C5` level) from a stream. */
  readonly createBackbone: (rng: Rng) => Backbone;
  readonly projector: { readonly hiddenDim: number; readonly outDim: number };
  readonly rng: Rng;
}

/**
 * Backbone → global average pool of C5 → projector: BYOL's f then g. Two instances: the online
 * network and (its EMA) the target network.
 *
 * Variables: `backbone.<torchvision name>` and `projector.<MlpHead name>`.
 */
export class __Name__Encoder implements HasVariables {
  readonly backbone: Backbone;
  readonly projector: MlpHead;

  constructor(options: __Name__EncoderOptions) {
    this.backbone = options.createBackbone(options.rng.fork('backbone'));
    const c5 = this.backbone.levels.find((level) => level.name === 'C5')!;
    this.projector = new MlpHead({
      inDim: c5.channels,
      hiddenDim: options.projector.hiddenDim,
      outDim: options.projector.outDim,
      rng: options.rng.fork('projector'),
    });
  }

  /** `images` `[N, H, W, 3]` → projections `[N, outDim]`. `training` puts BatchNorm on batch statistics. */
  forward(images: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const c5 = this.backbone.forward(images, options)['C5']!;
      return this.projector.forward(globalAvgPool(c5), options);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['projector', this.projector],
    ]);
  }
}
