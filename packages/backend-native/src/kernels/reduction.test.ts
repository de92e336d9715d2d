import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  onBothBackends,
  randomTensor,
} from '../test-support/native-test-support.js';

const OPS: readonly [string, (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor][] = [
  ['sum', (x, axes, keep) => tf.sum(x, axes, keep)],
  ['mean', (x, axes, keep) => tf.mean(x, axes, keep)],
  ['max', (x, axes, keep) => tf.max(x, axes, keep)],
  ['min', (x, axes, keep) => tf.min(x, axes, keep)],
];

const AXES: readonly number[][] = [
  [0, 1, 2], // per channel, NHWC (BatchNorm statistics)
  [1, 2], // global average pooling
  [3], // over channels
  [0, 1, 2, 3], // everything
  [0], // over the batch
  [1], // [K, R, K'] pattern
  [0, 3], // [R, K, R'] pattern
  [0, 2], // four alternating groups: the strided loop
];

describe(`native reduction kernels${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  for (const [name, op] of OPS) {
    it.skipIf(!nativeBuilt)(`${name} over each axis pattern, and its gradient, match cpu`, () => {
      for (const axes of AXES) {
        for (const keepDims of [false, true]) {
          expectBackendsAgree(() => {
            const x = randomTensor([3, 5, 7, 4], 1);
            return [
              op(x, axes, keepDims),
              tf.grad((v: tf.Tensor) => tf.sum(tf.square(op(v, axes, keepDims))))(x),
            ];
          });
        }
      }
    });
  }

  it.skipIf(!nativeBuilt)(
    'per-channel sum of a large NHWC map runs natively and matches cpu',
    () => {
      expectBackendsAgree(() => tf.sum(randomTensor([4, 32, 32, 16], 2), [0, 1, 2]), ['reduce']);
    },
  );

  it.skipIf(!nativeBuilt)(
    'full and row reductions of large tensors, split across threads, match cpu; max and min keep a NaN',
    () => {
      expectBackendsAgree(() => {
        const x = randomTensor([2048, 257], 3);
        return [tf.sum(x), tf.mean(x), tf.max(x), tf.min(x), tf.sum(x, 1), tf.sum(x, 0)];
      }, ['reduce']);
      const withNaN = randomTensor([300_001], 4).bufferSync();
      withNaN.set(Number.NaN, 250_000);
      const { cpu, native } = onBothBackends(() => {
        const x = withNaN.toTensor();
        return [tf.max(x), tf.min(x), tf.sum(x)];
      });
      for (const values of [...cpu, ...native]) expect(values.values[0]).toBeNaN();
    },
  );

  it.skipIf(!nativeBuilt)(
    'the gradient pattern of a 2× upsampling, [N, H, 2, W, 2, C] over the 2s, runs natively',
    () => {
      const addon = (tf.findBackend('native') as unknown as { addon: { reduce: unknown } }).addon;
      const spy = vi.spyOn(addon as { reduce: (...args: unknown[]) => unknown }, 'reduce');
      try {
        expectBackendsAgree(() => {
          const x = randomTensor([2, 14, 2, 14, 2, 32], 5);
          return [tf.sum(x, [2, 4]), tf.max(x, [0, 2, 4]), tf.mean(x, [1, 3, 5])];
        });
        expect(spy.mock.results.length).toBeGreaterThanOrEqual(3);
        for (const result of spy.mock.results) expect(result.value).not.toBeNull();
      } finally {
        spy.mockRestore();
      }
    },
  );
});
