import { RELU_GRAD } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** Numbered as the addon's `BinaryOp` enum (`native/elementwise.cc`). */
const BINARY_OPS: readonly (readonly [kernelName: string, code: number])[] = [
  [tf.Add, 0],
  [tf.Sub, 1],
  [tf.Multiply, 2],
  [tf.RealDiv, 3],
  [tf.Maximum, 4],
  [tf.Minimum, 5],
  [tf.SquaredDifference, 6],
];

/** `@ssdet/core`'s ReLU gradient from the output: inputs `dy`, `y`; `dy · [y > 0]`. */
export const reluGradKernel: NativeKernelConfig = {
  kernelName: RELU_GRAD,
  kernelFunc: ({ inputs, backend, fallback }) => {
    const dy = input(inputs, 'dy');
    const y = input(inputs, 'y');
    const dys = backend.floats(dy);
    const ys = backend.floats(y);
    if (dys === null || ys === null || !tf.util.arraysEqual(dy.shape, y.shape)) return fallback();
    return backend.output(dy.shape, backend.addon.binary(7, dys, dy.shape, ys, y.shape, dy.shape));
  },
};

/**
 * `out = a ∘ b` for float32 tensors with NumPy broadcasting (shapes right-aligned; an axis of 1
 * repeats). Other dtypes run tfjs-backend-cpu's kernel.
 */
export const binaryKernels: readonly NativeKernelConfig[] = BINARY_OPS.map(
  ([kernelName, code]) => ({
    kernelName,
    kernelFunc: ({ inputs, backend, fallback }) => {
      const a = input(inputs, 'a');
      const b = input(inputs, 'b');
      const as = backend.floats(a);
      const bs = backend.floats(b);
      if (as === null || bs === null) return fallback();
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return backend.output(
        outShape,
        backend.addon.binary(code, as, a.shape, bs, b.shape, outShape),
      );
    },
  }),
);
