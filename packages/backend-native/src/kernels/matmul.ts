import * as tf from '@tensorflow/tfjs-core';
import type { MatMulAttrs } from '../native-addon.js';
import type { NativeBackend } from '../native-backend.js';
import { fusedActivation, input, type NativeKernelConfig } from './native-kernel.js';

interface Product {
  readonly attrs: MatMulAttrs;
  readonly outShape: number[];
}

/**
 * Shapes of `op(A) · op(B)` over leading batch axes, or `undefined` when the batches differ
 * other than by one side being a single matrix (tfjs-backend-cpu then handles it).
 */
function product(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): Product | undefined {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(batchShapeA);
  const batchB = tf.util.sizeFromShape(batchShapeB);
  const sameBatch = tf.util.arraysEqual(batchShapeA, batchShapeB);
  if (!sameBatch && batchA !== 1 && batchB !== 1) return undefined;
  const [rowsA, colsA] = a.shape.slice(-2) as [number, number];
  const [rowsB, colsB] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? colsA : rowsA;
  const k = transposeA ? rowsA : colsA;
  const n = transposeB ? rowsB : colsB;
  if ((transposeB ? colsB : rowsB) !== k) return undefined;
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
  return {
    attrs: {
      batchA,
      batchB,
      m,
      k,
      n,
      transposeA: Boolean(transposeA),
      transposeB: Boolean(transposeB),
    },
    outShape: [...batchShape, m, n],
  };
}

function runMatmul(
  backend: NativeBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | undefined,
  activation: unknown,
  alpha: number,
  fallback: () => tf.TensorInfo | tf.TensorInfo[],
): tf.TensorInfo | tf.TensorInfo[] {
  const as = backend.floats(a);
  const bs = backend.floats(b);
  const shapes = product(a, b, transposeA, transposeB);
  const fused = fusedActivation(backend.addon, activation, alpha);
  if (as === null || bs === null || shapes === undefined || fused === undefined) return fallback();
  let biasValues: Float32Array | null = null;
  if (bias !== undefined) {
    biasValues = backend.floats(bias);
    const { n } = shapes.attrs;
    if (biasValues === null || tf.util.sizeFromShape(bias.shape) !== n || bias.shape.at(-1) !== n) {
      return fallback();
    }
  }
  const c = backend.addon.matmul(as, bs, biasValues, shapes.attrs, fused);
  return backend.output(shapes.outShape, c);
}

/** `C[b] = op(A[b]) · op(B[b])`, op = identity or transpose; a batch of one broadcasts. */
export const batchMatMulKernel: NativeKernelConfig = {
  kernelName: tf.BatchMatMul,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    return runMatmul(
      backend,
      input(inputs, 'a'),
      input(inputs, 'b'),
      transposeA,
      transposeB,
      undefined,
      'linear',
      0,
      fallback,
    );
  },
};

/** `act(op(A) · op(B) + bias)` with the bias over the last axis (tf.fused.matMul, tfjs-layers' Dense). */
export const fusedMatMulKernel: NativeKernelConfig = {
  kernelName: tf._FusedMatMul,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const { transposeA, transposeB, activation, leakyreluAlpha } =
      attrs as unknown as tf._FusedMatMulAttrs;
    return runMatmul(
      backend,
      input(inputs, 'a'),
      input(inputs, 'b'),
      transposeA,
      transposeB,
      inputs['bias'],
      activation,
      leakyreluAlpha ?? 0,
      fallback,
    );
  },
};
