import * as tf from '@tensorflow/tfjs-core';
import { readReferenceJson, type StoredArray } from '@ssdet/test-support';

/** Reads `tools/reference/fixtures/detr/<name>` (written by tools/reference/detr/make_fixtures.py). */
export function readFixture<T>(name: string): T {
  return readReferenceJson<T>('detr', name);
}

/** A stored 0/1 array as a bool tensor. */
export function toBool<R extends tf.Rank = tf.Rank>(stored: StoredArray): tf.Tensor<R> {
  return tf.tensor(
    stored.data.map((v) => v !== 0),
    [...stored.shape],
    'bool',
  ) as unknown as tf.Tensor<R>;
}
