import { SsdetError, type HasVariables, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from './named-variables.js';

/**
 * `torch.nn.GroupNorm` on NHWC maps (Wu & He, "Group Normalization", ECCV 2018): the C channels
 * are split into G contiguous groups and each sample's group is normalised over its H·W·C/G
 * values, y = (x − μ_g)/√(σ²_g + ε)·γ_c + β_c, with the biased variance and ε = 1e-5. No batch
 * statistics, so it behaves the same in training and evaluation and at any batch size.
 * Variables: `weight` (γ, ones), `bias` (β, zeros), per channel.
 */
export class GroupNorm implements HasVariables {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly epsilon = 1e-5,
  ) {
    if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `GroupNorm: channels (${channels}) must be divisible by groups (${groups}).`,
      );
    }
    this.weight = variableFrom(() => tf.ones([channels]));
    this.bias = variableFrom(() => tf.zeros([channels]));
  }

  /** `[B, H, W, C]` → `[B, H, W, C]`. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [batch, height, width, channels] = x.shape;
    if (channels !== this.channels) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `GroupNorm: built for ${this.channels} channels; got input [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const grouped = tf.reshape(x, [batch, height * width, this.groups, channels / this.groups]);
      const { mean, variance } = tf.moments(grouped, [1, 3], true);
      const normalised = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(tf.reshape(normalised, x.shape), this.weight), this.bias) as tf.Tensor4D;
    });
  }

  variables(): NamedVariables {
    return new Map([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }
}
