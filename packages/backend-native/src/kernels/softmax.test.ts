import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';

describe(`native softmax${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  for (const shape of [[7], [3, 1], [5, 9], [2, 3, 4, 17]]) {
    it.skipIf(!nativeBuilt)(`softmax of [${shape.join(', ')}] and its gradient match cpu`, () => {
      expectBackendsAgree(() => {
        // Large logits: without the max subtraction exp would overflow.
        const x = tf.mul(randomTensor(shape, 1), 40);
        const weights = randomTensor(shape, 2);
        return [
          tf.softmax(x),
          tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.softmax(v), weights)))(x),
        ];
      }, ['softmax']);
    });
  }
});
