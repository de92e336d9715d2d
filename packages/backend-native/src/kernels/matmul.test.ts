import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  expectNativeOverride,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';

const CASES = [
  { name: '2-D', a: [7, 5], b: [5, 3], ta: false, tb: false },
  { name: '2-D, A transposed', a: [5, 7], b: [5, 3], ta: true, tb: false },
  { name: '2-D, B transposed', a: [7, 5], b: [3, 5], ta: false, tb: true },
  { name: 'batched, both transposed', a: [4, 5, 7], b: [4, 3, 5], ta: true, tb: true },
  { name: 'rank 4 batch', a: [2, 3, 6, 5], b: [2, 3, 5, 4], ta: false, tb: false },
] as const;

// tfjs-core's BatchMatMul gradient does not reduce over broadcast batches: forward only.
const BROADCAST_CASES = [
  { name: 'B broadcast over the batch', a: [3, 6, 5], b: [5, 4] },
  { name: 'A broadcast over the batch', a: [1, 6, 5], b: [3, 5, 4] },
] as const;

describe(`native matmul kernels${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('overrides BatchMatMul and _FusedMatMul', () => {
    expectNativeOverride('BatchMatMul');
    expectNativeOverride('_FusedMatMul');
  });

  for (const c of CASES) {
    it.skipIf(!nativeBuilt)(`matMul and its gradients match cpu: ${c.name}`, () => {
      expectBackendsAgree(() => {
        const a = randomTensor([...c.a], 1);
        const b = randomTensor([...c.b], 2);
        const product = tf.matMul(a, b, c.ta, c.tb);
        const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(x, y, c.ta, c.tb))),
        )([a, b]);
        return [product, ...grads];
      }, ['matmul']);
    });
  }

  for (const c of BROADCAST_CASES) {
    it.skipIf(!nativeBuilt)(`matMul matches cpu: ${c.name}`, () => {
      expectBackendsAgree(
        () => tf.matMul(randomTensor([...c.a], 1), randomTensor([...c.b], 2)),
        ['matmul'],
      );
    });
  }

  it.skipIf(!nativeBuilt)('fused matMul with bias and activations matches cpu', () => {
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const) {
      expectBackendsAgree(
        () =>
          tf.fused.matMul({
            a: randomTensor([2, 6, 5], 3),
            b: randomTensor([2, 5, 4], 4),
            bias: randomTensor([4], 5),
            activation,
            leakyreluAlpha: 0.2,
          }),
        ['matmul'],
      );
    }
  });
});
