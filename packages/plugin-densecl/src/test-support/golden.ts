import { readReferenceJson, type StoredArray } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';

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
    q_b: StoredArray;
    k_b: StoredArray;
    neck_q: Record<string, StoredArray>;
    neck_k: Record<string, StoredArray>;
    queue: StoredArray;
    queue2: StoredArray;
  };
  readonly outputs: {
    loss_single: number;
    loss_dense: number;
    total: number;
    matches: StoredArray;
    k: StoredArray;
    k2: StoredArray;
    grad: Record<string, StoredArray>;
  };
}

/** tools/reference/fixtures/densecl/densecl_golden.json, by tools/reference/densecl/make_densecl_golden.py. */
export function readDenseclGolden(): DenseclGolden {
  return readReferenceJson<DenseclGolden>('densecl', 'densecl_golden.json');
}

export function tensorOf(stored: StoredArray, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
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
