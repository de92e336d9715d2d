import { RELU_GRAD } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { OpName } from '../op-codes.js';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** tfjs kernels and the addon's `opCodes.binary` names for them. */
const BINARY_OPS: readonly (readonly [kernelName: string, op: OpName<'binary'>])[] = [
  [tf.Add, 'Add'],
  [tf.Sub, 'Sub'],
  [tf.Multiply, 'Mul'],
  [tf.RealDiv, 'Div'],
  [tf.Maximum, 'Max'],
  [tf.Minimum, 'Min'],
  [tf.SquaredDifference, 'SquaredDifference'],
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
    const { ReluGrad } = backend.addon.opCodes.binary;
    return backend.output(
      dy.shape,
      backend.addon.binary(ReluGrad, dys, dy.shape, ys, y.shape, dy.shape),
    );
  },
};

/**
 * `out = a ∘ b` for float32 tensors with NumPy broadcasting (shapes right-aligned; an axis of 1
 * repeats). Other dtypes run tfjs-backend-cpu's kernel.
 */
export const binaryKernels: readonly NativeKernelConfig[] = BINARY_OPS.map(([kernelName, op]) => ({
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
      backend.addon.binary(backend.addon.opCodes.binary[op], as, a.shape, bs, b.shape, outShape),
    );
  },
}));
