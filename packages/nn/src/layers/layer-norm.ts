import { layerNorm, type HasVariables, type NamedVariables } from '@ssdet/core';
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

  /** `[…, features]` → the same shape (`@ssdet/core`'s `layerNorm`: one kernel each way on native). */
  forward<T extends tf.Tensor>(x: T): T {
    return layerNorm(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, this.epsilon);
  }

  variables(): NamedVariables {
    return new Map([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }
}
