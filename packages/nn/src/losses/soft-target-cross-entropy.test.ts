import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test-support/tensors.js';
import { softTargetCrossEntropy } from './soft-target-cross-entropy.js';

useCpuBackend();

const TEMPERATURES = { studentTemperature: 0.1, teacherTemperature: 0.04 };

/** The loss as plain tfjs ops on the whole matrix (PLRC's L_ts before the fused op). */
function reference(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  center: tf.Tensor1D,
  { studentTemperature, teacherTemperature }: typeof TEMPERATURES,
): tf.Scalar {
  const target = tf.softmax(tf.div(tf.sub(teacher, center), teacherTemperature));
  const logProb = tf.logSoftmax(tf.div(student, studentTemperature));
  return tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(target, logProb), 1)));
}

function inputs(rows: number, cols: number, seed: number) {
  return {
    student: tf.randomNormal<tf.Rank.R2>([rows, cols], 0, 1, 'float32', seed),
    teacher: tf.randomNormal<tf.Rank.R2>([rows, cols], 0, 1, 'float32', seed + 1),
    center: tf.randomNormal<tf.Rank.R1>([cols], 0, 0.3, 'float32', seed + 2),
  };
}

function expectRelativelyClose(actual: Float32Array, expected: Float32Array, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  expected.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, Math.abs(actual[i]! - v));
  });
  expect(worst).toBeLessThanOrEqual(rtol * scale);
}

describe('softTargetCrossEntropy', () => {
  for (const [rows, cols, chunkRows] of [
    [1, 5, 1024],
    [7, 13, 3],
    [37, 64, 8],
    [100, 200, 1024],
    [65, 31, 64],
  ] as const) {
    it(`equals plain tfjs ops, value and gradient: [${rows}, ${cols}] in chunks of ${chunkRows}`, () => {
      tf.tidy(() => {
        const { student, teacher, center } = inputs(rows, cols, rows * 7 + cols);
        const options = { ...TEMPERATURES, chunkRows };
        const lossOf = (s: tf.Tensor) =>
          softTargetCrossEntropy(s as tf.Tensor2D, teacher, center, options);
        const { value, grad } = tf.valueAndGrad(lossOf)(student);
        const { value: expectedValue, grad: expectedGrad } = tf.valueAndGrad((s: tf.Tensor) =>
          reference(s as tf.Tensor2D, teacher, center, TEMPERATURES),
        )(student);
        expectRelativelyClose(
          value.dataSync() as Float32Array,
          expectedValue.dataSync() as Float32Array,
          1e-6,
        );
        expectRelativelyClose(
          grad.dataSync() as Float32Array,
          expectedGrad.dataSync() as Float32Array,
          1e-5,
        );
      });
    });
  }

  it('scales the gradient by dy and passes none through the teacher (stop-gradient)', () => {
    tf.tidy(() => {
      const { student, center } = inputs(9, 11, 3);
      // The same tensor as student and teacher: only the student side may carry a gradient.
      const actual = tf.grad((x: tf.Tensor) =>
        tf.mul(
          softTargetCrossEntropy(x as tf.Tensor2D, x as tf.Tensor2D, center, {
            ...TEMPERATURES,
            chunkRows: 4,
          }),
          3,
        ),
      )(student);
      const constant = tf.tensor2d(student.dataSync(), student.shape);
      const expected = tf.grad((s: tf.Tensor) =>
        tf.mul(reference(s as tf.Tensor2D, constant, center, TEMPERATURES), 3),
      )(student);
      expectRelativelyClose(
        actual.dataSync() as Float32Array,
        expected.dataSync() as Float32Array,
        1e-5,
      );
    });
  });

  it('equals the entropy of the target when the student equals the teacher (τ and centre cancel)', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d([
        [0.1, 0.5, -0.2],
        [1, 0, 0],
      ]);
      const p = tf.softmax(logits);
      const entropy = tf.neg(tf.mean(tf.sum(tf.mul(p, tf.log(p)), 1)));
      const loss = softTargetCrossEntropy(logits, logits, tf.zeros([3]), {
        studentTemperature: 1,
        teacherTemperature: 1,
      });
      expect(loss.dataSync()[0]).toBeCloseTo(entropy.dataSync()[0]!, 6);
    });
  });

  it('is 0 for no rows', () => {
    const loss = softTargetCrossEntropy(
      tf.zeros([0, 4]),
      tf.zeros([0, 4]),
      tf.zeros([4]),
      TEMPERATURES,
    );
    expect(loss.dataSync()[0]).toBe(0);
    tf.dispose(loss);
  });

  it('leaks no tensors, forward and backward', () => {
    const { student, teacher, center } = inputs(21, 10, 5);
    const before = tf.memory().numTensors;
    const { value, grad } = tf.valueAndGrad((s: tf.Tensor) =>
      softTargetCrossEntropy(s as tf.Tensor2D, teacher, center, { ...TEMPERATURES, chunkRows: 4 }),
    )(student);
    tf.dispose([value, grad]);
    tf.dispose(softTargetCrossEntropy(student, teacher, center, { ...TEMPERATURES, chunkRows: 4 }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([student, teacher, center]);
  });

  it('rejects bad shapes and options in one line', () => {
    const s = tf.zeros([2, 3]) as tf.Tensor2D;
    const call = (
      student: tf.Tensor,
      teacher: tf.Tensor,
      center: tf.Tensor,
      options: Parameters<typeof softTargetCrossEntropy>[3] = TEMPERATURES,
    ) =>
      softTargetCrossEntropy(
        student as tf.Tensor2D,
        teacher as tf.Tensor2D,
        center as tf.Tensor1D,
        options,
      );
    for (const bad of [
      () => call(s, tf.zeros([2, 4]), tf.zeros([3])),
      () => call(s, s, tf.zeros([4])),
      () => call(tf.zeros([6]), tf.zeros([6]), tf.zeros([6])),
      () => call(s, s, tf.zeros([3]), { studentTemperature: 0, teacherTemperature: 0.04 }),
      () => call(s, s, tf.zeros([3]), { ...TEMPERATURES, chunkRows: 0 }),
    ]) {
      expect(bad).toThrow(SsdetError);
      expect(bad).toThrow(/^softTargetCrossEntropy [^\n]+$/);
    }
  });
});
