import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NativeBackend } from './native-backend.js';
import { OutputPool } from './output-pool.js';
import {
  NATIVE_SUITE_NOTE,
  loadNativePackage,
  nativeBuilt,
} from './test-support/native-test-support.js';

describe('OutputPool', () => {
  it('hands back arrays by exact length, last in first out', () => {
    const pool = new OutputPool(1 << 20, 4);
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    pool.put(a);
    pool.put(b);
    expect(pool.take(16)).toBeUndefined();
    expect(pool.take(8)).toBe(b);
    expect(pool.take(8)).toBe(a);
    expect(pool.take(8)).toBeUndefined();
  });

  it('ignores small arrays and drops the oldest beyond its byte budget', () => {
    const pool = new OutputPool(96, 4);
    pool.put(new Float32Array(2));
    expect(pool.bytes).toBe(0);
    const first = new Float32Array(8);
    pool.put(first);
    pool.put(new Float32Array(8));
    pool.put(new Float32Array(8));
    expect(pool.bytes).toBe(96);
    pool.put(new Float32Array(8));
    expect(pool.bytes).toBe(96);
    const taken = [pool.take(8), pool.take(8), pool.take(8)];
    expect(taken).not.toContain(first);
  });
});

describe(`recycling native outputs${NATIVE_SUITE_NOTE}`, () => {
  const size = 1 << 17;
  const storage = (t: tf.Tensor): Float32Array =>
    (tf.backend() as NativeBackend)['data'].get(t.dataId).values as Float32Array;

  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) {
      await loadNativePackage();
      await tf.setBackend('native');
    }
  });

  it.skipIf(!nativeBuilt)('the next output of the same length reuses a disposed one', () => {
    const x = tf.fill([size], 2);
    const first = tf.relu(x);
    const buffer = storage(first).buffer;
    first.dispose();
    const second = tf.neg(x);
    expect(storage(second).buffer).toBe(buffer);
    expect(Array.from(second.dataSync().slice(0, 3))).toEqual([-2, -2, -2]);
    tf.dispose([x, second]);
  });

  it.skipIf(!nativeBuilt)('an array that was read out is never reused', () => {
    const x = tf.fill([size], 3);
    const read = tf.relu(x);
    const values = read.dataSync();
    read.dispose();
    const others = [tf.neg(x), tf.neg(x), tf.exp(x)];
    expect(values[0]).toBe(3);
    expect(values[size - 1]).toBe(3);
    tf.dispose([x, ...others]);
  });

  it.skipIf(!nativeBuilt)('views a cpu kernel made of an output keep their values', () => {
    const x = tf.fill([2, size], 5);
    const base = tf.relu(x);
    const [row] = tf.unstack(base); // tfjs-cpu: a subarray view of base's array
    base.dispose();
    const others = [tf.neg(x), tf.neg(x)];
    expect(row!.dataSync()[0]).toBe(5);
    tf.dispose([x, row!, ...others]);
  });
});
