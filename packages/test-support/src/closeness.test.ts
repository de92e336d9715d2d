import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, maxAbsDifference, relativeError } from './closeness.js';
import { toTensor } from './stored-arrays.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('expectClose', () => {
  it('passes within an absolute tolerance and fails just outside it, naming the worst element', () => {
    expectClose([1, 2, 3], [1, 2.00005, 3]);
    expect(() => expectClose([1, 2, 3], [1, 2, 3.001], 1e-4)).toThrow(
      /at flat index 2 \(actual 3, expected 3.001/,
    );
  });

  it('compares tensors with stored arrays, shapes included', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    expectClose(x, { shape: [2, 2], data: [1, 2, 3, 4] });
    expect(() => expectClose(x, { shape: [4], data: [1, 2, 3, 4] })).toThrow(/shape/);
    expect(() => expectClose(x, toTensor({ shape: [2, 2], data: [1, 2, 3, 5] }))).toThrow();
    x.dispose();
  });

  it('scales the tolerance per element or by the tensor when asked', () => {
    expect(() => expectClose([1000.5], [1000], 1e-4)).toThrow();
    expectClose([1000.05], [1000], 1e-4, { relative: 'element' });
    expect(() => expectClose([0.5, 1000], [0.4, 1000], 1e-4, { relative: 'element' })).toThrow();
    expectClose([0.5, 1000], [0.45, 1000], 1e-4, { relative: 'tensor' });
  });

  it('never passes NaN or a length mismatch, and prefixes the label', () => {
    expect(() => expectClose([Number.NaN], [0], 1)).toThrow();
    expect(() => expectClose([1, 2], [1, 2, 3])).toThrow(/length/);
    expect(() => expectClose([1], [2], 0.5, { label: 'fc.weight: ' })).toThrow(/^fc\.weight: /);
  });
});

describe('relativeError and maxAbsDifference', () => {
  it('measures against the reference scale, by max or l2 norm', () => {
    expect(relativeError([1, 2.5], [1, 2])).toBeCloseTo(0.25, 12);
    expect(relativeError([3, 4], [0, 5], 'l2')).toBeCloseTo(Math.sqrt(10) / 5, 12);
    expect(maxAbsDifference(new Float32Array([1, 2]), [1.5, 1])).toBe(1);
  });

  it('refuses values of different lengths', () => {
    expect(() => maxAbsDifference([1], [1, 2])).toThrow(/differ in length: 1 vs 2/);
    expect(() => relativeError([1], [])).toThrow(/differ in length/);
  });
});
