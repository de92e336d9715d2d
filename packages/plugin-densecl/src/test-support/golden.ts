import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

export interface StoredTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface DenseclGolden {
  readonly seed: number;
  readonly config: {
    N: number;
    C: number;
    S: number;
    hidden: number;
    D: number;
    K: number;
    temperature: number;
    lambda: number;
  };
  readonly inputs: {
    q_b: StoredTensor;
    k_b: StoredTensor;
    neck_q: Record<string, StoredTensor>;
    neck_k: Record<string, StoredTensor>;
    queue: StoredTensor;
    queue2: StoredTensor;
  };
  readonly outputs: {
    loss_single: number;
    loss_dense: number;
    total: number;
    matches: StoredTensor;
    k: StoredTensor;
    k2: StoredTensor;
    grad: Record<string, StoredTensor>;
  };
}

const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../tools/reference/fixtures/densecl/densecl_golden.json',
);

export function readDenseclGolden(): DenseclGolden {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as DenseclGolden;
}

export function tensorOf(stored: StoredTensor, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return tf.tensor(stored.data, stored.shape, dtype);
}

/**
 * PyTorch layout → ours: NCHW maps → NHWC, Linear `[out, in]` → `[in, out]`, conv `[O, I, kh, kw]`
 * → HWIO. `toPytorchLayout` is the inverse.
 */
export function toOurLayout(x: tf.Tensor, kind: 'map' | 'linear' | 'conv' | 'vector'): tf.Tensor {
  switch (kind) {
    case 'map':
      return tf.transpose(x, [0, 2, 3, 1]);
    case 'linear':
      return tf.transpose(x, [1, 0]);
    case 'conv':
      return tf.transpose(x, [2, 3, 1, 0]);
    case 'vector':
      return tf.clone(x);
  }
}

export function toPytorchLayout(
  x: tf.Tensor,
  kind: 'map' | 'linear' | 'conv' | 'vector',
): tf.Tensor {
  switch (kind) {
    case 'map':
      return tf.transpose(x, [0, 3, 1, 2]);
    case 'linear':
      return tf.transpose(x, [1, 0]);
    case 'conv':
      return tf.transpose(x, [3, 2, 0, 1]);
    case 'vector':
      return tf.clone(x);
  }
}

/** The layout kind of a DenseCLNeck parameter by its name. */
export function neckParameterKind(name: string): 'linear' | 'conv' | 'vector' {
  if (name.endsWith('.bias')) return 'vector';
  return name.startsWith('mlp2.') ? 'conv' : 'linear';
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => {
    const scale = tf.max(tf.abs(expected)).dataSync()[0]!;
    const error = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!;
    return error / Math.max(scale, 1e-12);
  });
}
