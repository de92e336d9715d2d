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

const CASES = [
  { name: '3×3 stride 2 same (ResNet stem)', x: [2, 11, 10, 4], size: 3, stride: 2, pad: 'same' },
  { name: '2×2 stride 2 valid, odd size', x: [3, 7, 9, 3], size: 2, stride: 2, pad: 'valid' },
  { name: '3×3 stride 1 same', x: [1, 6, 6, 5], size: 3, stride: 1, pad: 'same' },
  { name: '3×3 stride 2 explicit 1', x: [2, 9, 9, 2], size: 3, stride: 2, pad: 1 },
] as const;

describe(`native pooling kernels${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  for (const c of CASES) {
    it.skipIf(!nativeBuilt)(`maxPool and its gradient match cpu: ${c.name}`, () => {
      expectBackendsAgree(() => {
        // After a ReLU, as in a ResNet stem: many tied zeros test which maximum gets the gradient.
        const x = tf.relu(randomTensor([...c.x], 1)) as tf.Tensor4D;
        const f = (v: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.maxPool(v as tf.Tensor4D, c.size, c.stride, c.pad),
              tf.cos(tf.maxPool(v as tf.Tensor4D, c.size, c.stride, c.pad)),
            ),
          );
        return [tf.maxPool(x, c.size, c.stride, c.pad), tf.grad(f)(x)];
      }, ['pool', 'maxPoolBackprop']);
    });

    it.skipIf(!nativeBuilt)(`avgPool and its gradient match cpu: ${c.name}`, () => {
      expectBackendsAgree(() => {
        const x = randomTensor([...c.x], 2) as tf.Tensor4D;
        const f = (v: tf.Tensor) =>
          tf.sum(tf.square(tf.avgPool(v as tf.Tensor4D, c.size, c.stride, c.pad)));
        return [tf.avgPool(x, c.size, c.stride, c.pad), tf.grad(f)(x)];
      }, ['pool', 'avgPoolBackprop']);
    });
  }
});
