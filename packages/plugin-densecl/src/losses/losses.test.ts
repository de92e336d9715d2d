import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseContrastiveLoss } from './dense-contrastive-loss.js';
import { globalContrastiveLoss } from './global-contrastive-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const scalar = (x: tf.Scalar): number => {
  const value = x.dataSync()[0]!;
  x.dispose();
  return value;
};

describe('globalContrastiveLoss (L_q)', () => {
  it('is the mean over queries of −log softmax of the positive logit, by hand', () => {
    const tau = 0.5;
    const q = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const k = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const queue = tf.tensor2d([[0, 1]]);
    // Row 1: logits [1, 0]/τ → log(1 + e^{−2}); row 2: logits [1, 1]/τ → log 2.
    const expected = (Math.log(1 + Math.exp(-2)) + Math.log(2)) / 2;
    expect(scalar(globalContrastiveLoss(q, k, queue, tau))).toBeCloseTo(expected, 6);
    tf.dispose([q, k, queue]);
  });
});

describe('denseContrastiveLoss (L_r)', () => {
  const tau = 0.25;
  // One image, two positions. r_0 = x, r_1 = y; t_0 = y, t_1 = x; queue₂ = {−x}.
  const r = () =>
    tf.tensor3d([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
  const t = () =>
    tf.tensor3d([
      [
        [0, 1],
        [1, 0],
      ],
    ]);
  const queue = () => tf.tensor2d([[-1, 0]]);

  it('takes t at the matched position s* as the positive of r_s, by hand', () => {
    const matches = tf.tensor2d([[1, 0]], [1, 2], 'int32'); // r_0 ↔ t_1 = x, r_1 ↔ t_0 = y
    // s = 0: logits [1, −1]/τ → log(1 + e^{−8}); s = 1: logits [1, 0]/τ → log(1 + e^{−4}).
    const expected = (Math.log(1 + Math.exp(-8)) + Math.log(1 + Math.exp(-4))) / 2;
    const [rr, tt, qq] = [r(), t(), queue()];
    expect(scalar(denseContrastiveLoss(rr, tt, matches, qq, tau))).toBeCloseTo(expected, 6);
    tf.dispose([rr, tt, qq, matches]);
  });

  it('with the wrong matches the positives are orthogonal and the loss is larger, by hand', () => {
    const matches = tf.tensor2d([[0, 1]], [1, 2], 'int32'); // r_0 ↔ y, r_1 ↔ x: similarity 0
    // s = 0: logits [0, −1]/τ → log(1 + e^{−4}); s = 1: logits [0, 0] → log 2.
    const expected = (Math.log(1 + Math.exp(-4)) + Math.log(2)) / 2;
    const [rr, tt, qq] = [r(), t(), queue()];
    expect(scalar(denseContrastiveLoss(rr, tt, matches, qq, tau))).toBeCloseTo(expected, 6);
    tf.dispose([rr, tt, qq, matches]);
  });

  it('averages over all N·S² rows', () => {
    const [rr, tt, qq] = [r(), t(), queue()];
    const matches = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    const single = scalar(denseContrastiveLoss(rr, tt, matches, qq, tau));
    const twice = tf.tidy(() =>
      denseContrastiveLoss(
        tf.concat([rr, rr]),
        tf.concat([tt, tt]),
        tf.concat([matches, matches]),
        qq,
        tau,
      ),
    );
    expect(scalar(twice)).toBeCloseTo(single, 6);
    tf.dispose([rr, tt, qq, matches]);
  });

  it('rejects mismatched shapes with a message naming them', () => {
    const [rr, qq] = [r(), queue()];
    const matches = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    expect(() => denseContrastiveLoss(rr, tf.zeros([1, 3, 2]), matches, qq, tau)).toThrow(
      /r and t \[N, S², D\].*\[1, 2, 2\], \[1, 3, 2\]/,
    );
    tf.dispose([rr, qq, matches]);
  });
});
