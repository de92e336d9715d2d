import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from './batch-norm-training.js';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from './test-support/native-test-support.js';

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

  it('rejects a scale whose size is not the channel count', () => {
    expect(() => batchNormTraining(tf.zeros([2, 3]), tf.ones([4]), tf.zeros([4]))).toThrow(
      /scale\/offset of size C/,
    );
  });
});

describe(`batchNormTraining on the native backend (fused oneDNN kernels)${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  for (const shape of [
    [3, 5, 4, 6],
    [7, 5],
    [2, 9, 3],
  ]) {
    it.skipIf(!nativeBuilt)(
      `forward, statistics and gradients match the composite ops: [${shape.join(', ')}]`,
      () => {
        const channels = shape.at(-1)!;
        expectBackendsAgree(() => {
          const x = tf.add(tf.mul(randomTensor(shape, 1), 3), 0.5);
          const scale = tf.add(randomTensor([channels], 2), 1.5) as tf.Tensor1D;
          const offset = randomTensor([channels], 3) as tf.Tensor1D;
          const weights = randomTensor(shape, 4);
          const { y, mean, variance } = batchNormTraining(x, scale, offset, 1e-5);
          const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(
              tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y, weights),
            ),
          )([x, scale, offset]);
          return [y, mean, variance, ...grads];
        }, ['batchNormForward', 'batchNormBackward']);
      },
    );
  }

  it.skipIf(!nativeBuilt)('leaks no tensors through forward and backward', () => {
    tf.setBackend('native');
    const x = randomTensor([2, 4, 4, 3], 5);
    const scale = tf.ones([3]) as tf.Tensor1D;
    const offset = tf.zeros([3]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const grads = tf.grads((a: tf.Tensor) =>
          tf.sum(tf.square(batchNormTraining(a, scale, offset).y)),
        )([x]);
        grads[0]!.dataSync();
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, scale, offset]);
    tf.setBackend('cpu');
  });
});
