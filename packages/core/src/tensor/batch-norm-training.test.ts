import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from './batch-norm-training.js';
import './register-gradients.js';
import { selectBackend } from './select-backend.js';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

describe('batchNormTraining on the cpu backend (composite fallback)', () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
  });

  it('normalises each channel to mean β and standard deviation γ', () => {
    tf.tidy(() => {
      const x = tf.add(tf.mul(randomTensor([4, 3, 3, 2], 1), 5), 3);
      const { y, mean, variance } = batchNormTraining(
        x,
        tf.tensor1d([2, 0.5]),
        tf.tensor1d([1, -1]),
        0,
      );
      const yMean = tf.mean(y, [0, 1, 2]).arraySync() as number[];
      const yStd = tf
        .sqrt(tf.mean(tf.square(tf.sub(y, tf.mean(y, [0, 1, 2]))), [0, 1, 2]))
        .arraySync() as number[];
      expect(yMean[0]).toBeCloseTo(1, 4);
      expect(yMean[1]).toBeCloseTo(-1, 4);
      expect(yStd[0]).toBeCloseTo(2, 4);
      expect(yStd[1]).toBeCloseTo(0.5, 4);
      expect(mean.shape).toEqual([2]);
      expect(variance.shape).toEqual([2]);
    });
  });

  it('has the gradient of the formula: Σ∂x = 0 per channel and ∂β = Σ dy', () => {
    tf.tidy(() => {
      const x = randomTensor([3, 2, 2, 4], 7);
      const dy = randomTensor([3, 2, 2, 4], 8);
      const [dx, , doffset] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D).y, dy)),
      )([x, tf.ones([4]), tf.zeros([4])]);
      const perChannel = tf.sum(dx!, [0, 1, 2]).arraySync() as number[];
      perChannel.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-4));
      expect(Array.from(doffset!.dataSync())).toEqual(
        Array.from(tf.sum(dy, [0, 1, 2]).dataSync()).map((v) => expect.closeTo(v, 5)),
      );
    });
  });

  it('rejects a scale whose size is not the channel count', () => {
    expect(() => batchNormTraining(tf.zeros([2, 3]), tf.ones([4]), tf.zeros([4]))).toThrow(
      /scale\/offset of size C/,
    );
  });
});
