import * as tf from '@tensorflow/tfjs-core';
import type { OpName } from '../op-codes.js';
import { input, type NativeKernelConfig } from './native-kernel.js';

/**
 * tfjs kernels, the addon's `opCodes.unary` names for them (the same names), and the attribute
 * that is α, if any.
 */
const UNARY_OPS: readonly (readonly [
  kernelName: string,
  op: OpName<'unary'>,
  alphaAttr?: string,
])[] = [
  [tf.Neg, 'Neg'],
  [tf.Square, 'Square'],
  [tf.Sqrt, 'Sqrt'],
  [tf.Rsqrt, 'Rsqrt'],
  [tf.Exp, 'Exp'],
  [tf.Log, 'Log'],
  [tf.Abs, 'Abs'],
  [tf.Relu, 'Relu'],
  [tf.Relu6, 'Relu6'],
  [tf.Sigmoid, 'Sigmoid'],
  [tf.Tanh, 'Tanh'],
  [tf.Step, 'Step', 'alpha'],
  [tf.Reciprocal, 'Reciprocal'],
  [tf.Elu, 'Elu'],
  [tf.LeakyRelu, 'LeakyRelu', 'alpha'],
  [tf.Log1p, 'Log1p'],
  [tf.Floor, 'Floor'],
];

/** `out = f(x)` element-wise for float32 tensors, with tfjs-backend-cpu's formulas. */
export const unaryKernels: readonly NativeKernelConfig[] = UNARY_OPS.map(
  ([kernelName, op, alphaAttr]) => ({
    kernelName,
    kernelFunc: ({ inputs, backend, attrs, fallback }) => {
      const x = input(inputs, 'x');
      const xs = backend.floats(x);
      if (xs === null) return fallback();
      const alpha = alphaAttr === undefined ? 0 : Number(attrs[alphaAttr] ?? 0);
      return backend.output(
        x.shape,
        backend.addon.unary(backend.addon.opCodes.unary[op], xs, alpha),
      );
    },
  }),
);

/** `out = Σᵢ xᵢ` over same-shape float32 tensors (how autodiff accumulates a reused tensor's gradients). */
export const addNKernel: NativeKernelConfig = {
  kernelName: tf.AddN,
  kernelFunc: ({ inputs, backend, fallback }) => {
    const tensors = Object.values(inputs).filter((t): t is tf.TensorInfo => t !== undefined);
    const first = tensors[0];
    if (first === undefined) return fallback();
    const values: Float32Array[] = [];
    for (const tensor of tensors) {
      const floats = backend.floats(tensor);
      if (floats === null || !tf.util.arraysEqual(tensor.shape, first.shape)) return fallback();
      values.push(floats);
    }
    const size = tf.util.sizeFromShape(first.shape);
    return backend.output(first.shape, backend.addon.addN(values, size));
  },
};
