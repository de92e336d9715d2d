import { selectBackend } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect } from 'vitest';

/** Every test file of this package runs on tfjs's pure-JS `cpu` backend. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
  });
}

/** Asserts `actual` has `shape` (when given) and its values are within `tolerance` of `expected`. */
export function expectValues(
  actual: tf.Tensor,
  expected: readonly number[],
  tolerance = 1e-5,
  shape?: readonly number[],
): void {
  if (shape !== undefined) expect(actual.shape).toEqual(shape);
  const values = Array.from(actual.dataSync());
  expect(values.length).toBe(expected.length);
  values.forEach((value, i) => {
    expect(
      Math.abs(value - expected[i]!),
      `element ${i}: ${value} vs ${expected[i]}`,
    ).toBeLessThanOrEqual(tolerance);
  });
}

/** Names (tfjs's) of the variables that received a gradient from `tf.variableGrads`. */
export function namesWithGradient(grads: tf.NamedTensorMap): string[] {
  return Object.entries(grads)
    .filter(([, grad]) => grad !== null && grad !== undefined)
    .map(([name]) => name)
    .sort();
}
