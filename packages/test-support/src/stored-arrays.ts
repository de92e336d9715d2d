import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** A tensor as the reference scripts under tools/reference store it in JSON. */
export interface StoredArray {
  readonly shape: number[];
  readonly data: number[];
}

/** `stored` as a float32 tensor. */
export function toTensor<R extends tf.Rank = tf.Rank>(stored: StoredArray): tf.Tensor<R> {
  return tf.tensor(stored.data, stored.shape, 'float32') as unknown as tf.Tensor<R>;
}

/**
 * Assigns stored weights to the variables of the same names, asserting each shape. The names must
 * match one to one, unless `partial` (then only every stored name must have a variable).
 */
export function assignStoredWeights(
  variables: ReadonlyMap<string, tf.Variable>,
  weights: Readonly<Record<string, StoredArray>>,
  options: { readonly partial?: boolean } = {},
): void {
  if (options.partial !== true) {
    expect([...variables.keys()].sort(), 'variable names').toEqual(Object.keys(weights).sort());
  }
  for (const [name, stored] of Object.entries(weights)) {
    const variable = variables.get(name);
    expect(variable, `variable ${name}`).toBeDefined();
    expect(variable!.shape, name).toEqual(stored.shape);
    tf.tidy(() => variable!.assign(toTensor(stored)));
  }
}
