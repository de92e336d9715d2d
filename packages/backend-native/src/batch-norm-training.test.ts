import { batchNormTraining, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from './test-support/native-test-support.js';

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
