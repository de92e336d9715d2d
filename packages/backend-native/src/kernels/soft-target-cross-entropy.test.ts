import { selectBackend } from '@ssdet/core';
import {
  SOFT_TARGET_CROSS_ENTROPY,
  SOFT_TARGET_CROSS_ENTROPY_GRAD,
  softTargetCrossEntropy,
} from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NativeBackend } from '../native-backend.js';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';
import {
  SOFT_TARGET_CROSS_ENTROPY_GRAD_KERNEL,
  SOFT_TARGET_CROSS_ENTROPY_KERNEL,
} from './soft-target-cross-entropy.js';

it('uses the kernel names of @ssdet/nn', () => {
  expect(SOFT_TARGET_CROSS_ENTROPY_KERNEL).toBe(SOFT_TARGET_CROSS_ENTROPY);
  expect(SOFT_TARGET_CROSS_ENTROPY_GRAD_KERNEL).toBe(SOFT_TARGET_CROSS_ENTROPY_GRAD);
});

describe(`native soft-target cross-entropy${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  // cpu has no fused kernel: it runs @ssdet/nn's chunked tfjs ops (chunks of 16 rows here).
  for (const [rows, cols, studentTemperature, teacherTemperature] of [
    [1, 7, 0.1, 0.04],
    [50, 33, 0.1, 0.07],
    [300, 520, 0.1, 0.04],
    [129, 4, 1, 1],
  ] as const) {
    const options = { studentTemperature, teacherTemperature, chunkRows: 16 };
    it.skipIf(!nativeBuilt)(
      `[${rows}, ${cols}], τ_s ${studentTemperature}, τ_t ${teacherTemperature}: value (1e-6) and gradient (1e-5) equal the chunked tfjs path`,
      () => {
        const inputs = () => ({
          student: tf.mul(randomTensor([rows, cols], rows + cols), 3) as tf.Tensor2D,
          teacher: tf.mul(randomTensor([rows, cols], 2 * rows), 2) as tf.Tensor2D,
          center: tf.mul(randomTensor([cols], 7), 0.5) as tf.Tensor1D,
        });
        expectBackendsAgree(
          () => {
            const { student, teacher, center } = inputs();
            return tf.valueAndGrad((s: tf.Tensor) =>
              softTargetCrossEntropy(s as tf.Tensor2D, teacher, center, options),
            )(student).value;
          },
          ['softTargetCrossEntropy'],
          1e-6,
        );
        expectBackendsAgree(
          () => {
            const { student, teacher, center } = inputs();
            return tf.grad((s: tf.Tensor) =>
              tf.mul(softTargetCrossEntropy(s as tf.Tensor2D, teacher, center, options), 2.5),
            )(student);
          },
          ['softTargetCrossEntropyGrad'],
          1e-5,
        );
      },
    );
  }

  it.skipIf(!nativeBuilt)(
    'gives a teacher logit of −∞ and logits over 100 below the row maximum probability 0, as tfjs does',
    () => {
      const options = { studentTemperature: 0.1, teacherTemperature: 0.04 };
      expectBackendsAgree(
        () => {
          const student = tf.tensor2d([
            [0, -12, 3, 1],
            [2, 2, -9, 0],
          ]);
          const teacher = tf.tensor2d([
            [0.5, -Infinity, 0.2, -4],
            [1, 0, 0.3, 0.1],
          ]);
          const { value, grad } = tf.valueAndGrad((s: tf.Tensor) =>
            softTargetCrossEntropy(s as tf.Tensor2D, teacher, tf.zeros([4]), options),
          )(student);
          return [value, grad];
        },
        ['softTargetCrossEntropy', 'softTargetCrossEntropyGrad'],
        1e-6,
      );
    },
  );

  it.skipIf(!nativeBuilt)('leaks no tensors on native', () => {
    tf.setBackend('native');
    try {
      const student = randomTensor([40, 9], 1) as tf.Tensor2D;
      const teacher = randomTensor([40, 9], 2) as tf.Tensor2D;
      const center = randomTensor([9], 3) as tf.Tensor1D;
      const before = tf.memory().numTensors;
      const { value, grad } = tf.valueAndGrad((s: tf.Tensor) =>
        softTargetCrossEntropy(s as tf.Tensor2D, teacher, center, {
          studentTemperature: 0.1,
          teacherTemperature: 0.04,
        }),
      )(student);
      tf.dispose([value, grad]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([student, teacher, center]);
    } finally {
      tf.setBackend('cpu');
    }
  });

  it.skipIf(!nativeBuilt)('names a missing or bad attribute', () => {
    const addon = (tf.findBackend('native') as NativeBackend).addon;
    const values = new Float32Array(6);
    expect(() =>
      addon.softTargetCrossEntropy(values, values, new Float32Array(3), {
        rows: 2,
        cols: 3,
        studentTemperature: 0,
        teacherTemperature: 0.04,
      }),
    ).toThrow(/softTargetCrossEntropy.*studentTemperature/);
    expect(() =>
      addon.softTargetCrossEntropy(values, values, new Float32Array(2), {
        rows: 2,
        cols: 3,
        studentTemperature: 0.1,
        teacherTemperature: 0.04,
      }),
    ).toThrow(/center/);
  });
});
