import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tensor/select-backend.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { disposeAll, valuesOf } from './test-support/variables.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function gradients(): Map<string, tf.Tensor> {
  // Global norm √(3² + 4² + 12²) = 13.
  return new Map<string, tf.Tensor>([
    ['a', tf.tensor2d([[3, 4]])],
    ['b', tf.tensor1d([12])],
  ]);
}

describe('clipByGlobalNorm', () => {
  it('scales by maxNorm / (norm + 1e-6) when the norm is larger, and reports the pre-clip norm', () => {
    const input = gradients();
    const before = tf.memory().numTensors;
    const { gradients: clipped, norm } = clipByGlobalNorm(input, 6.5);
    expect(norm).toBeCloseTo(13, 5);
    const scale = 6.5 / (13 + 1e-6);
    expect(valuesOf(clipped.get('a')!)[1]).toBeCloseTo(4 * scale, 6);
    expect(valuesOf(clipped.get('b')!)[0]).toBeCloseTo(12 * scale, 6);
    expect(clipped.get('a')!.shape).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before + 2); // the two outputs, nothing else
    expect(valuesOf(input.get('a')!)).toEqual([3, 4]); // inputs untouched, still owned by the caller
    disposeAll([...input.values(), ...clipped.values()]);
  });

  it('returns equal values (as new tensors) when the norm is within bounds', () => {
    const input = gradients();
    const { gradients: clipped } = clipByGlobalNorm(input, 100);
    expect(valuesOf(clipped.get('b')!)).toEqual([12]);
    expect(clipped.get('b')).not.toBe(input.get('b'));
    disposeAll([...input.values(), ...clipped.values()]);
  });

  it('lets a non-finite norm through as PyTorch does, for the NaN guard to catch', () => {
    const input = new Map<string, tf.Tensor>([['a', tf.tensor1d([Number.NaN, 1])]]);
    const { gradients: clipped, norm } = clipByGlobalNorm(input, 1);
    expect(norm).toBeNaN();
    expect(valuesOf(clipped.get('a')!).every(Number.isNaN)).toBe(true);
    disposeAll([...input.values(), ...clipped.values()]);
  });

  it('handles no gradients and rejects a non-positive maxNorm', () => {
    expect(clipByGlobalNorm(new Map(), 1)).toEqual({ gradients: new Map(), norm: 0 });
    expect(() => clipByGlobalNorm(new Map(), 0)).toThrow(/maxNorm must be a finite number > 0/);
  });
});
