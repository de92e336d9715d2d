import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { collectVariables, newVariable } from './named-variables.js';

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
    this.weight = newVariable(new Float32Array(features).fill(1), [features]);
    this.bias = newVariable(new Float32Array(features), [features]);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const { mean, variance } = tf.moments(x, axis, true);
      const normalised = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalised, this.weight), this.bias);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }
}
