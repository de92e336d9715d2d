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
  /** Bias init: `pytorchDefault` (U(±1/√in), the default) or `zeros` (draws nothing). */
  readonly biasInit?: 'pytorchDefault' | 'zeros';
  readonly rng: Rng;
  /**
   * How the initial values come out of `rng`. `sequential` (default): the weight, then the bias,
   * from `rng` itself, which advances — so that modules building many layers from one stream
   * (DETR's transformer, {@link Mlp}) give each its own values. `forked`: from
   * `rng.fork('weight')` and `rng.fork('bias')`, leaving `rng` as it was, as {@link Conv2d}
   * does; the caller then passes each layer a fork of its own (`rng.fork('fc1')`).
   */
  readonly draw?: 'sequential' | 'forked';
}

/**
 * A fully connected layer, PyTorch's `nn.Linear`: `y = x·W + b` over the last axis of any-rank
 * input (`[…, in]` → `[…, out]`).
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
    const { inFeatures, outFeatures } = options;
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
    const forked = options.draw === 'forked';
    const stream = (label: string): Rng => (forked ? options.rng.fork(label) : options.rng);
    this.weight = variableFrom(() =>
      initWeight(
        [inFeatures, outFeatures],
        { fanIn: inFeatures, fanOut: outFeatures },
        options.init ?? 'pytorchDefault',
        stream('weight'),
      ),
    );
    this.bias =
      (options.bias ?? true)
        ? variableFrom(() =>
            options.biasInit === 'zeros'
              ? tf.zeros([outFeatures])
              : initDefaultBias(outFeatures, inFeatures, stream('bias')),
          )
        : undefined;
  }

  /** `[…, in]` → `[…, out]`. */
  forward<T extends tf.Tensor>(x: T): T {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `Linear expects input [..., ${this.inFeatures}]; got shape [${x.shape.join(', ')}].`,
      );
    }
    return linear(x, this.weight, this.bias) as T;
  }

  /** {@link forward} under the name the modules of `@ssdet/detr` call their layers by. */
  apply<T extends tf.Tensor>(x: T): T {
    return this.forward(x);
  }

  variables(): NamedVariables {
    const named = new Map<string, tf.Variable>([['weight', this.weight]]);
    if (this.bias !== undefined) named.set('bias', this.bias);
    return named;
  }
}

/** `x·W (+ b)` over the last axis of `x`, for `W` of shape `[in, out]` (e.g. a slice of a packed projection). */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [inFeatures, outFeatures] = weight.shape as [number, number];
    const y = tf.matMul(tf.reshape(x, [-1, inFeatures]), weight);
    const withBias = bias === undefined ? y : tf.add(y, bias);
    return tf.reshape(withBias, [...x.shape.slice(0, -1), outFeatures]);
  });
}
