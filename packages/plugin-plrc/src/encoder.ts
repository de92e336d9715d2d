import type { Backbone, ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { MlpHead, collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { DinoHead } from './heads.js';

export interface PlrcEncoderOptions {
  /** Builds this encoder's backbone (any registered backbone with a `C5` level) from a stream. */
  readonly createBackbone: (rng: Rng) => Backbone;
  readonly fcs: { readonly hiddenDim: number; readonly outDim: number };
  readonly fcs2: {
    readonly hiddenDim: number;
    readonly bottleneckDim: number;
    readonly outDim: number;
  };
  readonly rng: Rng;
}

/** One view through a PLRC encoder: per-pixel maps over C5's grid, NHWC. */
export interface PlrcEncoding {
  /** `[B, h, w, 128]` `fcs` at every C5 position: points and (spatially averaged) the image embedding. */
  readonly points: tf.Tensor4D;
  /** `[B, h, w, 256]` `fcs_2`'s normalised bottleneck. */
  readonly bottleneck: tf.Tensor4D;
  /** `[B, h, w, 4096]` `fcs_2`'s prototype logits. */
  readonly logits: tf.Tensor4D;
}

/**
 * PLRC's encoder (official `ResNetPLRC` in `mode='point'`): the backbone's C5 without pooling, and
 * two heads applied to every position — `fcs`, MoCo v2's projector `Linear(C, 2048) → ReLU →
 * Linear(2048, 128)` (official `build_mlp1`), and `fcs_2`, the DINO head ({@link DinoHead}).
 * The query encoder and the momentum encoder are two of these.
 *
 * Variables: `backbone.<torchvision name>`, `fcs.0`, `fcs.2`, `fcs_2.*`.
 */
export class PlrcEncoder implements HasVariables {
  readonly backbone: Backbone;
  readonly fcs: MlpHead;
  readonly fcs2: DinoHead;

  constructor(options: PlrcEncoderOptions) {
    this.backbone = options.createBackbone(options.rng.fork('backbone'));
    const channels = this.backbone.levels.find((level) => level.name === 'C5')!.channels;
    this.fcs = new MlpHead({
      inDim: channels,
      hiddenDim: options.fcs.hiddenDim,
      outDim: options.fcs.outDim,
      batchNorm: false,
      rng: options.rng.fork('fcs'),
    });
    this.fcs2 = new DinoHead({ inDim: channels, ...options.fcs2, rng: options.rng.fork('fcs_2') });
  }

  /**
   * `[B, H, W, 3]` → the three maps. `bottleneckNorm: 'l1'` is the official key forward
   * (`dy=True`); the query and the extra view use L2.
   */
  forward(
    images: tf.Tensor4D,
    options: ForwardOptions & { readonly bottleneckNorm?: 'l2' | 'l1' },
  ): PlrcEncoding {
    return tf.tidy(() => {
      const c5 = this.backbone.forward(images, options)['C5']!;
      const [b, h, w, c] = c5.shape;
      const pixels = tf.reshape(c5, [b * h * w, c]) as tf.Tensor2D;
      const points = this.fcs.forward(pixels, options);
      const { bottleneck, logits } = this.fcs2.forward(pixels, {
        ...options,
        norm: options.bottleneckNorm ?? 'l2',
      });
      return {
        points: tf.reshape(points, [b, h, w, -1]) as tf.Tensor4D,
        bottleneck: tf.reshape(bottleneck, [b, h, w, -1]) as tf.Tensor4D,
        logits: tf.reshape(logits, [b, h, w, -1]) as tf.Tensor4D,
      };
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['fcs', this.fcs],
      ['fcs_2', this.fcs2],
    ]);
  }
}
