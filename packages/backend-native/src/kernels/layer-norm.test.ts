import { LAYER_NORM, LAYER_NORM_GRAD, layerNorm, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  expectNativeOverride,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';

describe(`native layer norm${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('registers the forward and gradient kernels', () => {
    expectNativeOverride(LAYER_NORM);
    expectNativeOverride(LAYER_NORM_GRAD);
  });

  // cpu runs the formula as tfjs ops (and their autodiff); native its two kernels. The largest
  // shape splits rows across threads.
  for (const shape of [[5], [3, 7], [2, 180, 256]]) {
    it.skipIf(!nativeBuilt)(
      `forward and the gradients of x, γ and β match the formula on [${shape.join(', ')}]`,
      () => {
        expectBackendsAgree(
          () => {
            const cols = shape.at(-1)!;
            // An offset and a scale far from 0 and 1: the statistics must centre and scale.
            const x = tf.add(tf.mul(randomTensor(shape, 1), 3), 2);
            const gamma = tf.add(randomTensor([cols], 2), 1) as tf.Tensor1D;
            const beta = randomTensor([cols], 3) as tf.Tensor1D;
            const weights = randomTensor(shape, 4);
            const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(layerNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), weights)),
            )([x, gamma, beta]);
            return [layerNorm(x, gamma, beta), dx!, dgamma!, dbeta!];
          },
          ['layerNorm', 'layerNormGrad'],
          1e-4,
        );
      },
    );
  }

  it.skipIf(!nativeBuilt)('forward and backward on native leave no tensor behind', () => {
    tf.setBackend('native');
    try {
      const x = randomTensor([4, 6, 32], 5);
      const gamma = randomTensor([32], 6) as tf.Tensor1D;
      const beta = randomTensor([32], 7) as tf.Tensor1D;
      const before = tf.memory().numTensors;
      const y = layerNorm(x, gamma, beta);
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(layerNorm(a, g as tf.Tensor1D, b as tf.Tensor1D))),
      )([x, gamma, beta]);
      tf.dispose([y, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, gamma, beta]);
    } finally {
      tf.setBackend('cpu');
    }
  });
});
