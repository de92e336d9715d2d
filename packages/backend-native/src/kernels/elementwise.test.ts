import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  onBothBackends,
  randomTensor,
} from '../test-support/native-test-support.js';

/** Name, op, and whether tfjs-core's gradient of it handles broadcasting (Maximum, Minimum and SquaredDifference's do not). */
const BINARY: readonly [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, boolean][] = [
  ['add', tf.add, true],
  ['sub', tf.sub, true],
  ['mul', tf.mul, true],
  ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5)), true],
  ['maximum', tf.maximum, false],
  ['minimum', tf.minimum, false],
  ['squaredDifference', tf.squaredDifference, false],
];

const SHAPES: readonly [number[], number[]][] = [
  [
    [2, 5, 7, 3],
    [2, 5, 7, 3],
  ], // same shape
  [[2, 5, 7, 3], [3]], // per-channel (bias, BN scale)
  [[3], [2, 5, 7, 3]], // broadcast on the left operand
  [
    [2, 5, 7, 3],
    [2, 1, 1, 3],
  ], // per-sample-and-channel
  [
    [2, 5, 1, 3],
    [1, 1, 7, 1],
  ], // both broadcast
  [
    [4, 1],
    [1, 6],
  ], // outer product
  [[2, 5, 7, 3], []], // scalar
  [[200, 130], [130]], // large enough to run multi-threaded
];

const UNARY: readonly [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['neg', tf.neg],
  ['square', tf.square],
  ['sqrt', (x) => tf.sqrt(tf.abs(x))],
  ['rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1))],
  ['exp', tf.exp],
  ['log', (x) => tf.log(tf.add(tf.abs(x), 0.1))],
  ['abs', tf.abs],
  ['relu', tf.relu],
  ['relu6', (x) => tf.relu6(tf.mul(x, 8))],
  ['sigmoid', tf.sigmoid],
  ['tanh', tf.tanh],
  ['step', (x) => tf.step(x, 0.25)],
  ['reciprocal', (x) => tf.reciprocal(tf.add(tf.abs(x), 0.5))],
  ['elu', tf.elu],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)],
  ['log1p', (x) => tf.log1p(tf.abs(x))],
  ['floor', (x) => tf.floor(tf.mul(x, 3))],
];

describe(`native element-wise kernels${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  for (const [name, op, broadcastGrad] of BINARY) {
    it.skipIf(!nativeBuilt)(`${name} with broadcasting, and its gradients, match cpu`, () => {
      for (const [aShape, bShape] of SHAPES) {
        const withGrad = broadcastGrad || tf.util.arraysEqual(aShape, bShape);
        expectBackendsAgree(() => {
          const a = randomTensor(aShape, 1);
          const b = randomTensor(bShape, 2);
          const grads = withGrad
            ? tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(op(x, y))))([a, b])
            : [];
          return [op(a, b), ...grads];
        }, ['binary']);
      }
    });
  }

  for (const [name, op] of UNARY) {
    it.skipIf(!nativeBuilt)(`${name} and its gradient match cpu`, () => {
      expectBackendsAgree(() => {
        const x = randomTensor([3, 7, 11], 3);
        return [op(x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(op(v), v)))(x)];
      }, ['unary']);
    });
  }

  it.skipIf(!nativeBuilt)('addN matches cpu', () => {
    expectBackendsAgree(
      () => tf.addN([randomTensor([5, 6], 1), randomTensor([5, 6], 2), randomTensor([5, 6], 3)]),
      ['addN'],
    );
  });

  it.skipIf(!nativeBuilt)('int32 inputs fall back to cpu and keep their dtype', () => {
    const { cpu, native } = onBothBackends(() =>
      tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.scalar(4, 'int32')),
    );
    expect(Array.from(native[0]!.values)).toEqual(Array.from(cpu[0]!.values));
    tf.setBackend('native');
    expect(tf.add(tf.tensor([1], [1], 'int32'), tf.scalar(1, 'int32')).dtype).toBe('int32');
    tf.setBackend('cpu');
  });

  it.skipIf(!nativeBuilt)(
    'float32 tensors cast from bool or int32 (relabelled arrays) run natively too',
    () => {
      expectBackendsAgree(() => {
        const mask = tf.cast(tf.greater(randomTensor([3, 5, 1], 1), 0), 'float32');
        return tf.mul(randomTensor([3, 5, 4], 2), mask);
      }, ['binary']);
    },
  );

  it.skipIf(!nativeBuilt)("ReLU's gradient (from its output, one kernel) matches cpu", () => {
    expectBackendsAgree(() => {
      const x = tf.concat([randomTensor([3, 7], 1), tf.zeros([1, 7])]);
      return tf.grad((v: tf.Tensor) => tf.sum(tf.relu(v)))(x);
    }, ['binary']);
  });
});
