import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { StoredArray } from './stored-arrays.js';

/** What the helpers compare: a tensor, a stored array, or plain values. */
export type Values = tf.Tensor | StoredArray | ArrayLike<number>;

export interface CloseOptions {
  /**
   * What the tolerance is relative to. Absent: nothing, |actual − expected| ≤ tolerance.
   * `element`: ≤ tolerance·max(1, |expected_i|). `tensor`: ≤ tolerance·max(1, max|expected|)
   * — for sums of many products, whose last bits depend on the order of accumulation.
   */
  readonly relative?: 'element' | 'tensor';
  /** Put before the failure message, e.g. the variable's name. */
  readonly label?: string;
}

/**
 * Asserts that `actual` and `expected` have the same shape (when both have one; the same length
 * otherwise) and that every element is within the tolerance (see {@link CloseOptions.relative});
 * the message names the worst element. NaN is never close.
 */
export function expectClose(
  actual: Values,
  expected: Values,
  tolerance = 1e-4,
  options: CloseOptions = {},
): void {
  const label = options.label ?? '';
  const a = read(actual);
  const e = read(expected);
  if (a.shape !== undefined && e.shape !== undefined) {
    expect([...a.shape], `${label}shape`).toEqual([...e.shape]);
  }
  expect(a.data.length, `${label}length`).toBe(e.data.length);
  let tensorScale = 1;
  if (options.relative === 'tensor') {
    for (let i = 0; i < e.data.length; i++) {
      tensorScale = Math.max(tensorScale, Math.abs(e.data[i]!));
    }
  }
  let worst = -1;
  let worstExcess = -Infinity;
  let worstAllowed = tolerance;
  for (let i = 0; i < e.data.length; i++) {
    const scale = options.relative === 'element' ? Math.max(1, Math.abs(e.data[i]!)) : tensorScale;
    const allowed = tolerance * scale;
    const excess = Math.abs(a.data[i]! - e.data[i]!) - allowed;
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = excess;
      worstAllowed = allowed;
    }
  }
  if (worst < 0) return;
  const difference = Math.abs(a.data[worst]! - e.data[worst]!);
  expect(
    difference,
    `${label}worst |actual − expected| = ${difference} at flat index ${worst} (actual ${a.data[worst]}, expected ${e.data[worst]}, allowed ${worstAllowed})`,
  ).toBeLessThanOrEqual(worstAllowed);
}

/**
 * The error relative to the reference's scale: `max` (default) max|a − e| / max|e|, or `l2`
 * ‖a − e‖₂ / ‖e‖₂ over the whole tensor. Throws when the lengths differ.
 */
export function relativeError(
  actual: Values,
  expected: Values,
  norm: 'max' | 'l2' = 'max',
): number {
  const [a, e] = sameLength(actual, expected);
  let error = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    const difference = Math.abs(a[i]! - e[i]!);
    const reference = Math.abs(e[i]!);
    if (norm === 'l2') {
      error += difference * difference;
      scale += reference * reference;
    } else {
      error = Math.max(error, difference);
      scale = Math.max(scale, reference);
    }
  }
  return norm === 'l2' ? Math.sqrt(error) / Math.sqrt(scale) : error / Math.max(scale, 1e-12);
}

/** max |a − b| over all elements. Throws when the lengths differ. */
export function maxAbsDifference(actual: Values, expected: Values): number {
  const [a, e] = sameLength(actual, expected);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
  return worst;
}

function read(values: Values): { data: ArrayLike<number>; shape?: readonly number[] } {
  if (values instanceof tf.Tensor) return { data: values.dataSync(), shape: values.shape };
  if (isStored(values)) return { data: values.data, shape: values.shape };
  return { data: values };
}

function isStored(values: StoredArray | ArrayLike<number>): values is StoredArray {
  return 'shape' in values && 'data' in values;
}

function sameLength(actual: Values, expected: Values): [ArrayLike<number>, ArrayLike<number>] {
  const a = read(actual).data;
  const e = read(expected).data;
  if (a.length !== e.length) {
    throw new Error(`compared values differ in length: ${a.length} vs ${e.length}`);
  }
  return [a, e];
}
