import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { initWeight } from './initializers.js';
import { variableFrom } from './named-variables.js';

export interface WeightNormLinearOptions {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /**
   * Whether the per-output scale g is learnt. False (default) is DINO's `norm_last_layer=True`:
   * g is fixed at 1, so every output is a cosine similarity times ‖x‖.
   */
  readonly trainableScale?: boolean;
  readonly rng: Rng;
}

/**
 * A bias-free Linear layer under weight normalisation (Salimans & Kingma, NeurIPS 2016), PyTorch's
 * `nn.utils.weight_norm(nn.Linear(in, out, bias=False))` as DINO's head uses it:
 *
 *     y = x·W,   W_{:, o} = g_o · v_{:, o} / ‖v_{:, o}‖₂
 *
 * v starts as `nn.Linear`'s default draw, U(±1/√in), and g at 1 (DINO's `weight_g.data.fill_(1)`).
 *
 * Variables: `weight_g` `[out]` (PyTorch `[out, 1]`), `weight_v` `[in, out]` (PyTorch `[out, in]`).
 */
export class WeightNormLinear implements HasVariables {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly scale: tf.Variable<tf.Rank.R1>;
  readonly direction: tf.Variable<tf.Rank.R2>;

  constructor(options: WeightNormLinearOptions) {
    const { inFeatures, outFeatures } = options;
    for (const [field, value] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new SsdetError(
          'NN_BAD_OPTION',
          `WeightNormLinear option "${field}" must be a positive integer; got ${value}.`,
        );
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.direction = variableFrom(
      () =>
        initWeight(
          [inFeatures, outFeatures],
          { fanIn: inFeatures, fanOut: outFeatures },
          'pytorchDefault',
          options.rng.fork('weight_v'),
        ) as tf.Tensor2D,
    );
    this.scale = variableFrom(() => tf.ones([outFeatures]), options.trainableScale ?? false);
  }

  /** The effective `[in, out]` weight g · v / ‖v‖. */
  weight(): tf.Tensor2D {
    return tf.tidy(() => {
      const norms = tf.sqrt(tf.sum(tf.square(this.direction), 0, true));
      return tf.mul(tf.div(this.direction, norms), this.scale) as tf.Tensor2D;
    });
  }

  /** `[…, in]` → `[…, out]`. */
  forward<T extends tf.Tensor>(x: T): T {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `WeightNormLinear expects input [..., ${this.inFeatures}]; got shape [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const y = tf.matMul(tf.reshape(x, [-1, this.inFeatures]), this.weight());
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]) as T;
    });
  }

  variables(): NamedVariables {
    return new Map<string, tf.Variable>([
      ['weight_g', this.scale],
      ['weight_v', this.direction],
    ]);
  }
}
