import { readReferenceJson, type StoredArray } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';

export interface DetcoGolden {
  readonly seed: number;
  readonly config: {
    readonly N: number;
    readonly patches: number;
    readonly channels: [number, number, number, number];
    readonly globalSides: number[];
    readonly localSides: number[];
    readonly D: number;
    readonly K: number;
    readonly temperature: number;
    readonly stageWeights: [number, number, number, number];
  };
  readonly inputs: {
    /** Per stage `[N, C, s, s]` (NCHW). */
    readonly q_global: StoredArray[];
    readonly k_global: StoredArray[];
    /** Per stage `[P·N, C, s, s]`, patch-major (row p·N + n is patch p of image n), as the port batches them. */
    readonly q_local: StoredArray[];
    readonly k_local: StoredArray[];
    /** PyTorch layout, our names under `heads.`. */
    readonly heads_q: Record<string, StoredArray>;
    readonly heads_k: Record<string, StoredArray>;
    /** `[8, D, K]`: the port's queues, 0…3 global res2…res5, 4…7 local. */
    readonly queue: StoredArray;
  };
  readonly outputs: {
    readonly g2g: number[];
    readonly l2l: number[];
    readonly l2g: number[];
    readonly total: number;
    readonly k_global: StoredArray[];
    readonly k_local: StoredArray[];
    readonly grad: Record<string, StoredArray>;
  };
}

/** tools/reference/fixtures/detco/detco_golden.json, by tools/reference/detco/make_detco_golden.py. */
export function readDetcoGolden(): DetcoGolden {
  return readReferenceJson<DetcoGolden>('detco', 'detco_golden.json');
}

export function tensorOf(stored: StoredArray): tf.Tensor {
  return tf.tensor(stored.data, stored.shape, 'float32');
}

/** NCHW → NHWC. */
export function toNhwc(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x as tf.Tensor4D, [0, 2, 3, 1]);
}

/** NHWC → NCHW. */
export function toNchw(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x as tf.Tensor4D, [0, 3, 1, 2]);
}

/**
 * Row indices that turn a patch-major batch of `patches × n` maps (the port's `(n b)`) into our
 * image-major one (row `b·patches + p`): `ours = gather(theirs, patchMajorToImageMajor(…))`.
 */
export function patchMajorToImageMajor(n: number, patches: number): number[] {
  return Array.from({ length: n * patches }, (_, row) => {
    const [image, patch] = [Math.floor(row / patches), row % patches];
    return patch * n + image;
  });
}

/** The inverse of {@link patchMajorToImageMajor}. */
export function imageMajorToPatchMajor(n: number, patches: number): number[] {
  return Array.from({ length: n * patches }, (_, row) => {
    const [patch, image] = [Math.floor(row / n), row % n];
    return image * patches + patch;
  });
}
