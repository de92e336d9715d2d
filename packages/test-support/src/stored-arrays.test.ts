import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignStoredWeights, toTensor } from './stored-arrays.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('stored arrays', () => {
  it('become float32 tensors of their shape', () => {
    const t = toTensor({ shape: [2, 1], data: [1, 2] });
    expect([t.shape, t.dtype, Array.from(t.dataSync())]).toEqual([[2, 1], 'float32', [1, 2]]);
    t.dispose();
  });

  it('are assigned by name, refusing unknown names, other shapes and (unless partial) unstored variables', () => {
    const w = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.zeros([1]));
    const variables = new Map([
      ['w', w],
      ['b', b],
    ]);
    assignStoredWeights(variables, { w: { shape: [2], data: [3, 4] } }, { partial: true });
    expect(Array.from(w.dataSync())).toEqual([3, 4]);
    expect(() => assignStoredWeights(variables, { w: { shape: [2], data: [3, 4] } })).toThrow(
      /variable names/,
    );
    expect(() =>
      assignStoredWeights(variables, { x: { shape: [1], data: [0] } }, { partial: true }),
    ).toThrow(/variable x/);
    expect(() =>
      assignStoredWeights(variables, { b: { shape: [2], data: [0, 0] } }, { partial: true }),
    ).toThrow();
    tf.dispose([w, b]);
  });
});
