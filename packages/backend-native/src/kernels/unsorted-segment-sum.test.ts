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

describe(`native unsortedSegmentSum (the gradient of gather)${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('is the native kernel, not the cpu one', () => {
    expectNativeOverride(tf.UnsortedSegmentSum);
  });

  it.skipIf(!nativeBuilt)('sums rows into segments as cpu does, ids out of range dropped', () => {
    expectBackendsAgree(() => [
      tf.unsortedSegmentSum(randomTensor([6, 5], 1), tf.tensor1d([2, 0, 2, 4, 1, 2], 'int32'), 5),
      tf.unsortedSegmentSum(randomTensor([4, 3, 2], 2), tf.tensor1d([1, 1, 0, 1], 'int32'), 3),
      tf.unsortedSegmentSum(randomTensor([3], 3), tf.tensor1d([0, 7, 1], 'int32'), 2),
    ]);
  });

  it.skipIf(!nativeBuilt)('gives the gradient of gather along any axis, as cpu does', () => {
    expectBackendsAgree(() => {
      const x = randomTensor([10, 6, 4], 4);
      const rows = tf.tensor1d([3, 0, 3, 9, 1], 'int32');
      return [
        tf.grad((v: tf.Tensor) => tf.sum(tf.sin(tf.gather(v, rows, 0))))(x),
        tf.grad((v: tf.Tensor) => tf.sum(tf.cos(tf.gather(v, tf.tensor1d([5, 5, 2], 'int32'), 1))))(
          x,
        ),
      ];
    });
  });

  it.skipIf(!nativeBuilt)('keeps no tensors', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.unsortedSegmentSum(randomTensor([4, 2], 5), tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
