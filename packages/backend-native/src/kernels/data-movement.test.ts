import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';

describe(`native pad, slice and transpose kernels${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('pad (zeros and a constant) and its gradient (slice) match cpu', () => {
    for (const value of [0, -2.5]) {
      expectBackendsAgree(() => {
        const x = randomTensor([2, 5, 6, 3], 1);
        const paddings: [number, number][] = [
          [0, 1],
          [1, 2],
          [3, 0],
          [0, 0],
        ];
        return [
          tf.pad(x, paddings, value),
          tf.grad((v: tf.Tensor) => tf.sum(tf.sin(tf.pad(v, paddings, value))))(x),
        ];
      }, ['pad', 'slice']);
    }
  });

  it.skipIf(!nativeBuilt)('slice of ranks 1–4 matches cpu', () => {
    expectBackendsAgree(
      () => [
        tf.slice(randomTensor([9], 1), [2], [5]),
        tf.slice(randomTensor([6, 7], 2), [1, 2], [4, -1]),
        tf.slice(randomTensor([4, 6, 7, 3], 3), [1, 0, 2, 1], [2, 5, 3, 2]),
      ],
      ['slice'],
    );
  });

  it.skipIf(!nativeBuilt)(
    'transpose with several permutations, and its gradient, match cpu',
    () => {
      for (const perm of [
        [1, 0, 2, 3],
        [3, 1, 2, 0],
        [0, 3, 1, 2],
        [2, 0, 3, 1],
      ]) {
        expectBackendsAgree(() => {
          const x = randomTensor([3, 4, 5, 6], 4);
          return [
            tf.transpose(x, perm),
            tf.grad((v: tf.Tensor) => tf.sum(tf.sin(tf.transpose(v, perm))))(x),
          ];
        }, ['transpose']);
      }
    },
  );

  it.skipIf(!nativeBuilt)('split along every axis, and concat and its gradient, match cpu', () => {
    expectBackendsAgree(() => {
      const x = randomTensor([4, 6, 5, 3], 7);
      const pieces = [
        ...tf.split(x, 2, 0),
        ...tf.split(x, [1, -1, 2], 1),
        ...tf.split(x, [5], 2),
        ...tf.split(x, 3, 3),
      ];
      const weights = randomTensor([4, 10, 5, 3], 8);
      const gradient = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.concat([v, tf.square(v)], 1), weights)),
      )(tf.slice(x, [0, 0, 0, 0], [4, 5, 5, 3]));
      return [...pieces, gradient];
    }, ['slice']);
  });

  it.skipIf(!nativeBuilt)('concat along every axis, with an empty part, matches cpu', () => {
    expectBackendsAgree(() => {
      const a = randomTensor([3, 4, 5], 1);
      const b = randomTensor([3, 2, 5], 2);
      return [
        tf.concat([a, randomTensor([1, 4, 5], 3)], 0),
        tf.concat([a, b, tf.zeros([3, 0, 5])], 1),
        tf.concat([a, randomTensor([3, 4, 2], 4), a], 2),
      ];
    }, ['concat']);
  });

  it.skipIf(!nativeBuilt)('gather along every axis, repeated indices, matches cpu', () => {
    expectBackendsAgree(() => {
      const x = randomTensor([4, 5, 3], 5);
      return [
        tf.gather(x, tf.tensor1d([3, 0, 3, 1], 'int32'), 0),
        tf.gather(
          x,
          tf.tensor2d(
            [
              [4, 0],
              [2, 2],
            ],
            [2, 2],
            'int32',
          ),
          1,
        ),
        tf.gather(x, tf.tensor1d([2, 1], 'int32'), 2),
      ];
    }, ['gather']);
  });

  it.skipIf(!nativeBuilt)('gather with an index out of range fails as on cpu', () => {
    const run = () =>
      tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([0, 3], 'int32')).dataSync());
    tf.setBackend('cpu');
    let cpuError = '';
    try {
      run();
    } catch (error) {
      cpuError = (error as Error).message;
    }
    expect(cpuError).toMatch(/index/);
    tf.setBackend('native');
    expect(run).toThrow(cpuError);
    tf.setBackend('cpu');
  });
});
