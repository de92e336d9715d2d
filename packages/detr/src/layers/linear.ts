import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { uniformValues, xavierUniformValues } from './init.js';
import { collectVariables, newVariable } from './named-variables.js';

/**
 * `torch-default`: weight and bias U(±1/√in) (kaiming-uniform a=√5); `xavier-uniform`: Xavier
 * weight (DETR's `_reset_parameters`), bias still torch's default; `zeros`: both zero.
 */
export type LinearInit = 'torch-default' | 'xavier-uniform' | 'zeros';

export interface LinearOptions {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly rng: Rng;
  /** Default `torch-default`. */
  readonly init?: LinearInit;
  readonly bias?: boolean;
}

/**
 * y = x·W + b with W stored `[in, out]` (the transpose of `torch.nn.Linear.weight`).
 * Variables: `weight`, `bias`. Applies to the last axis of any-rank input.
 */
export class Linear implements HasVariables {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(options: LinearOptions) {
    const { inFeatures, outFeatures, rng } = options;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const init = options.init ?? 'torch-default';
    const bound = 1 / Math.sqrt(inFeatures);
    const size = inFeatures * outFeatures;
    const weightValues =
      init === 'zeros'
        ? new Float32Array(size)
        : init === 'xavier-uniform'
          ? xavierUniformValues(rng, inFeatures, outFeatures)
          : uniformValues(rng, size, bound);
    this.weight = newVariable(weightValues, [inFeatures, outFeatures]);
    this.bias =
      options.bias === false
        ? undefined
        : newVariable(
            init === 'zeros'
              ? new Float32Array(outFeatures)
              : uniformValues(rng, outFeatures, bound),
            [outFeatures],
          );
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => linear(x, this.weight, this.bias));
  }

  variables(): NamedVariables {
    const entries: Array<readonly [string, tf.Variable]> = [['weight', this.weight]];
    if (this.bias !== undefined) entries.push(['bias', this.bias]);
    return collectVariables(entries);
  }
}

/** x·W (+ b) over the last axis of `x`, for `W` of shape `[in, out]`. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inFeatures = weight.shape[0]!;
    const outFeatures = weight.shape[1]!;
    const leading = x.shape.slice(0, -1);
    const flat = tf.reshape(x, [-1, inFeatures]);
    const y = tf.matMul(flat, weight);
    const withBias = bias === undefined ? y : tf.add(y, bias);
    return tf.reshape(withBias, [...leading, outFeatures]);
  });
}
