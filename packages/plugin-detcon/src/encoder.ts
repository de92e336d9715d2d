import type { Backbone, ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { DetconMlp } from './heads.js';
import { poolMasked } from './masks/pool-masked.js';

export interface DetconEncoderOptions {
  /** Builds this encoder's backbone (any registered backbone with a `C5` level) from a stream. */
  readonly createBackbone: (rng: Rng) => Backbone;
  readonly projector: { readonly hiddenDim: number; readonly outDim: number };
  readonly rng: Rng;
}

/**
 * f then g of DetCon (paper §3.1–3.2; official `run_detcon_b_forward_on_view`): the backbone's C5
 * map without the final pooling, the mean C5 vector under each sampled mask ({@link poolMasked}),
 * then the projector on every mask vector. DetCon-B has two (online and its EMA target),
 * DetCon-S one.
 *
 * Variables: `backbone.<torchvision name>` and `projector.<DetconMlp name>`.
 */
export class DetconEncoder implements HasVariables {
  readonly backbone: Backbone;
  readonly projector: DetconMlp;

  constructor(options: DetconEncoderOptions) {
    this.backbone = options.createBackbone(options.rng.fork('backbone'));
    const c5 = this.backbone.levels.find((level) => level.name === 'C5')!;
    this.projector = new DetconMlp({
      inDim: c5.channels,
      hiddenDim: options.projector.hiddenDim,
      outDim: options.projector.outDim,
      rng: options.rng.fork('projector'),
    });
  }

  /** The backbone's C5 map `[B, h, w, C]` of `images` `[B, H, W, 3]`. */
  features(images: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return this.backbone.forward(images, options)['C5']!;
  }

  /** Mask vectors `[B, K, C]` → projections `[B, K, outDim]` (BatchNorm over all B·K vectors). */
  project(pooled: tf.Tensor3D, options: ForwardOptions): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, k, c] = pooled.shape;
      const projected = this.projector.forward(tf.reshape(pooled, [b * k, c]), options);
      return tf.reshape(projected, [b, k, projected.shape[1]]);
    });
  }

  /** `images` `[B, H, W, 3]` and masks `[B, K, h·w]` over C5's grid → projections `[B, K, outDim]`. */
  encode(images: tf.Tensor4D, masks: tf.Tensor3D, options: ForwardOptions): tf.Tensor3D {
    return tf.tidy(() => this.project(poolMasked(this.features(images, options), masks), options));
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['projector', this.projector],
    ]);
  }
}
