import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { globalToGlobalLoss } from './global-to-global-loss.js';
import { localToGlobalLoss } from './local-to-global-loss.js';
import { localToLocalLoss } from './local-to-local-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const scalar = (x: tf.Scalar): number => {
  const value = x.dataSync()[0]!;
  x.dispose();
  return value;
};

const tau = 0.5;
const x = [1, 0];
const y = [0, 1];

describe('the three DetCo terms, by hand', () => {
  it('L_g↔g: mean over queries of −log softmax of the positive logit against Queue_g', () => {
    const [q, k, queue] = [tf.tensor2d([x, y]), tf.tensor2d([x, y]), tf.tensor2d([y])];
    // Row 1: logits [1, 0]/τ → log(1 + e^{−2}); row 2: logits [1, 1]/τ → log 2.
    const expected = (Math.log(1 + Math.exp(-2)) + Math.log(2)) / 2;
    expect(scalar(globalToGlobalLoss(q, k, queue, tau))).toBeCloseTo(expected, 6);
    tf.dispose([q, k, queue]);
  });

  // One image whose local query is x; its global key y, its local key x; Queue_g = {x}, Queue_l = {y}.
  const qLocal = () => tf.tensor2d([x]);
  const kGlobal = () => tf.tensor2d([y]);
  const kLocal = () => tf.tensor2d([x]);
  const queueGlobal = () => tf.tensor2d([x]);
  const queueLocal = () => tf.tensor2d([y]);

  it('L_l↔l: the local query against the local key and Queue_l', () => {
    const inputs = [qLocal(), kLocal(), queueLocal()] as const;
    // logits [x·x, x·y]/τ = [2, 0] → log(1 + e^{−2}).
    expect(scalar(localToLocalLoss(...inputs, tau))).toBeCloseTo(Math.log(1 + Math.exp(-2)), 6);
    tf.dispose([...inputs]);
  });

  it('L_l↔g: the local query against the *global* key and Queue_g', () => {
    const inputs = [qLocal(), kGlobal(), queueGlobal()] as const;
    // logits [x·y, x·x]/τ = [0, 2] → log(1 + e^{2}).
    expect(scalar(localToGlobalLoss(...inputs, tau))).toBeCloseTo(Math.log(1 + Math.exp(2)), 6);
    tf.dispose([...inputs]);
  });

  it('rejects mismatched shapes with a message naming them', () => {
    const [q, queue] = [tf.tensor2d([x]), tf.tensor2d([x])];
    expect(() => localToGlobalLoss(q, tf.zeros([2, 2]) as tf.Tensor2D, queue, tau)).toThrow(
      /queries \[N, D\], positive keys \[N, D\].*\[1, 2\], \[2, 2\]/,
    );
    tf.dispose([q, queue]);
  });
});
