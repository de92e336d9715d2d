import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from './named-variables.js';
import { initDefaultBias, initWeight, type WeightInit } from './initializers.js';

export interface LinearOptions {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Default true, as PyTorch's. */
  readonly bias?: boolean;
  /** Default `pytorchDefault`. */
  readonly init?: WeightInit;
  readonly rng: Rng;
}

/**
 * A fully connected layer, PyTorch's `nn.Linear`: `y = x·W + b` on `[N, in]` input.
 *
 * Variables: `weight` stored `[in, out]` (PyTorch stores `[out, in]`; import/export transposes),
 * `bias` `[out]`.
 */
export class Linear implements HasVariables {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(options: LinearOptions) {
    const { inFeatures, outFeatures, rng } = options;
    for (const [field, value] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new SsdetError(
          'NN_BAD_OPTION',
          `Linear option "${field}" must be a positive integer; got ${value}.`,
        );
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = variableFrom(() =>
      initWeight(
        [inFeatures, outFeatures],
        { fanIn: inFeatures, fanOut: outFeatures },
        options.init ?? 'pytorchDefault',
        rng.fork('weight'),
      ),
    );
    this.bias =
      (options.bias ?? true)
        ? variableFrom(() => initDefaultBias(outFeatures, inFeatures, rng.fork('bias')))
        : undefined;
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `Linear expects [N, ${this.inFeatures}] input; got shape [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy((): tf.Tensor2D => {
      const y: tf.Tensor2D = tf.matMul(x, this.weight as tf.Tensor2D);
      return this.bias === undefined ? y : tf.add<tf.Tensor2D>(y, this.bias);
    });
  }

  variables(): NamedVariables {
    const named = new Map<string, tf.Variable>([['weight', this.weight]]);
    if (this.bias !== undefined) named.set('bias', this.bias);
    return named;
  }
}
