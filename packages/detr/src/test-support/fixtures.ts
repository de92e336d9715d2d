import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables } from '@ssdet/core';
import { expect } from 'vitest';

/** A tensor as the reference script stores it. */
export interface StoredArray {
  readonly shape: number[];
  readonly data: number[];
}

const FIXTURES = new URL('../../../../tools/reference/fixtures/detr/', import.meta.url);

/** Reads `tools/reference/fixtures/detr/<name>` (written by tools/reference/detr/make_fixtures.py). */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export function toTensor<R extends tf.Rank = tf.Rank>(stored: StoredArray): tf.Tensor<R> {
  return tf.tensor(stored.data, stored.shape as number[], 'float32') as unknown as tf.Tensor<R>;
}

export function toBool<R extends tf.Rank = tf.Rank>(stored: StoredArray): tf.Tensor<R> {
  return tf.tensor(
    stored.data.map((v) => v !== 0),
    stored.shape as number[],
    'bool',
  ) as unknown as tf.Tensor<R>;
}

/** Loads stored weights by name into a module, asserting that both sides have the same names and shapes. */
export function loadWeights(
  module: HasVariables,
  weights: Readonly<Record<string, StoredArray>>,
): void {
  const variables = module.variables();
  expect([...variables.keys()].sort()).toEqual(Object.keys(weights).sort());
  for (const [name, variable] of variables) {
    const stored = weights[name]!;
    expect(variable.shape, name).toEqual(stored.shape);
    tf.tidy(() => variable.assign(toTensor(stored)));
  }
}

/** max |actual − expected| ≤ tolerance, with the worst element in the message. */
export function expectClose(
  actual: tf.Tensor,
  expected: StoredArray | tf.Tensor,
  tolerance = 1e-4,
): void {
  const values = actual.dataSync();
  const target = expected instanceof tf.Tensor ? Array.from(expected.dataSync()) : expected.data;
  const shape = expected instanceof tf.Tensor ? expected.shape : expected.shape;
  expect(actual.shape).toEqual(shape);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < target.length; i++) {
    const error = Math.abs(values[i]! - target[i]!);
    if (!(error <= worst)) {
      worst = error;
      at = i;
    }
  }
  expect(worst, `max error ${worst} at flat index ${at}`).toBeLessThanOrEqual(tolerance);
}
