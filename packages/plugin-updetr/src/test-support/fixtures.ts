import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** A tensor as the reference script stores it. */
export interface StoredArray {
  readonly shape: number[];
  readonly data: number[];
}

const FIXTURES = new URL('../../../../tools/reference/fixtures/updetr/', import.meta.url);

/** Reads `tools/reference/fixtures/updetr/<name>` (written by tools/reference/updetr/make_updetr_golden.py). */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export function toTensor<R extends tf.Rank = tf.Rank>(stored: StoredArray): tf.Tensor<R> {
  return tf.tensor(stored.data, stored.shape, 'float32') as unknown as tf.Tensor<R>;
}

/** Assigns stored weights to the variables of the same names (asserting names and shapes). */
export function assignWeights(
  variables: ReadonlyMap<string, tf.Variable>,
  weights: Readonly<Record<string, StoredArray>>,
): void {
  for (const [name, stored] of Object.entries(weights)) {
    const variable = variables.get(name);
    expect(variable, `variable ${name}`).toBeDefined();
    expect(variable!.shape, name).toEqual(stored.shape);
    tf.tidy(() => variable!.assign(toTensor(stored)));
  }
}

/** |actual − expected| ≤ relative·max(1, |expected|) element-wise, with the worst in the message. */
export function expectRelativelyClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  relative = 1e-4,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(error <= worst)) {
      worst = error;
      at = i;
    }
  }
  expect(worst, `worst relative error ${worst} at index ${at}`).toBeLessThanOrEqual(relative);
}
