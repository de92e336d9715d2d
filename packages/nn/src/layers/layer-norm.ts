import type { HasVariables, NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from './named-variables.js';

/**
 * `torch.nn.LayerNorm` over the last axis: y = (x − E[x]) / √(Var[x] + ε) · γ + β, with the
 * biased variance and ε = 1e-5. Variables: `weight` (γ, ones), `bias` (β, zeros).
 */
export class LayerNorm implements HasVariables {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly features: number,
    readonly epsilon = 1e-5,
  ) {
    this.weight = variableFrom(() => tf.ones([features]));
    this.bias = variableFrom(() => tf.zeros([features]));
  }

  /** `[…, features]` → the same shape. */
  forward<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, x.rank - 1, true);
      const normalised = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalised, this.weight), this.bias) as T;
    });
  }

  variables(): NamedVariables {
    return new Map([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }
}
