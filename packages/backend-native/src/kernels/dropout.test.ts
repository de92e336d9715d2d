import { DROPOUT, dropoutBySeed, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectNativeOverride,
  loadNativePackage,
  nativeBuilt,
  onBothBackends,
  randomTensor,
} from '../test-support/native-test-support.js';

describe(`native dropout${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('registers SsdetDropout, which cpu does not have', () => {
    expectNativeOverride(DROPOUT);
    expect(tf.getKernel(DROPOUT, 'cpu')).toBeUndefined();
  });

  // cpu runs the JavaScript multipliers and a Multiply; native its one kernel, split across
  // threads (the largest size) — the same bits either way, forward and backward.
  for (const [shape, keep, seed] of [
    [[7], 0.5, 1],
    [[3, 5, 2], 0.9, 0xffffffff],
    [[1, 8, 234, 234], 0.9, 123_456_789],
  ] as const) {
    it.skipIf(!nativeBuilt)(
      `dropout of [${shape.join(', ')}] (keep ${keep}) and its gradient equal the JavaScript mask`,
      () => {
        const { cpu, native } = onBothBackends(() => {
          const x = randomTensor([...shape], 2);
          const weights = randomTensor([...shape], 3);
          return [
            dropoutBySeed(x, { keep, seed }),
            tf.grad((v: tf.Tensor) => tf.sum(tf.mul(dropoutBySeed(v, { keep, seed }), weights)))(x),
          ];
        });
        for (const [i, expected] of cpu.entries()) {
          expect(native[i]!.shape).toEqual(expected.shape);
          expect(
            Buffer.from(native[i]!.values.buffer).equals(Buffer.from(expected.values.buffer)),
          ).toBe(true);
        }
      },
    );
  }

  it.skipIf(!nativeBuilt)('names a bad keep probability', () => {
    tf.setBackend('native');
    try {
      expect(() => dropoutBySeed(tf.ones([4]), { keep: 1.5, seed: 0 })).toThrow(/attrs\.keep/);
    } finally {
      tf.setBackend('cpu');
    }
  });

  it.skipIf(!nativeBuilt)('forward and backward on native leave no tensor behind', () => {
    tf.setBackend('native');
    try {
      const x = randomTensor([3, 1000], 8);
      const before = tf.memory().numTensors;
      const y = dropoutBySeed(x, { keep: 0.8, seed: 3 });
      const dx = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.square(dropoutBySeed(v, { keep: 0.8, seed: 3 }))),
      )(x);
      tf.dispose([y, dx]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    } finally {
      tf.setBackend('cpu');
    }
  });
});
