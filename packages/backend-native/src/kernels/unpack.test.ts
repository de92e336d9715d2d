import { selectBackend } from '@ssdet/core';
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

describe(`native unpack (tf.unstack)${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('is the native kernel, not the cpu one', () => {
    expectNativeOverride(tf.Unpack);
  });

  it.skipIf(!nativeBuilt)('splits along every axis, negative ones too, as cpu does', () => {
    expectBackendsAgree(() => [
      ...tf.unstack(randomTensor([6, 5, 4], 1), 0),
      ...tf.unstack(randomTensor([6, 5, 4], 2), 1),
      ...tf.unstack(randomTensor([6, 5, 4], 3), 2),
      ...tf.unstack(randomTensor([3, 4], 4), -1),
      ...tf.unstack(randomTensor([7], 5)),
    ]);
  });

  it.skipIf(!nativeBuilt)('gives the gradient of a stack of its pieces, as cpu does', () => {
    expectBackendsAgree(() => {
      const boxes = randomTensor([2, 10, 4], 6);
      return tf.grad((b: tf.Tensor) => {
        const [x0, y0, x1, y1] = tf.unstack(b, 2) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.sum(tf.mul(tf.sub(x1, x0), tf.add(tf.square(y1), y0)));
      })(boxes);
    });
  });

  it.skipIf(!nativeBuilt)('keeps no tensors', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.unstack(randomTensor([4, 3], 7), 1);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
