import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** Numbered as the addon's `UnaryOp` enum (`native/elementwise.cc`); the attribute that is α, if any. */
const UNARY_OPS: readonly (readonly [kernelName: string, code: number, alphaAttr?: string])[] = [
  [tf.Neg, 0],
  [tf.Square, 1],
  [tf.Sqrt, 2],
  [tf.Rsqrt, 3],
  [tf.Exp, 4],
  [tf.Log, 5],
  [tf.Abs, 6],
  [tf.Relu, 7],
  [tf.Relu6, 8],
  [tf.Sigmoid, 9],
  [tf.Tanh, 10],
  [tf.Step, 11, 'alpha'],
  [tf.Reciprocal, 12],
  [tf.Elu, 13],
  [tf.LeakyRelu, 14, 'alpha'],
  [tf.Log1p, 15],
  [tf.Floor, 16],
];

/** `out = f(x)` element-wise for float32 tensors, with tfjs-backend-cpu's formulas. */
export const unaryKernels: readonly NativeKernelConfig[] = UNARY_OPS.map(
  ([kernelName, code, alphaAttr]) => ({
    kernelName,
    kernelFunc: ({ inputs, backend, attrs, fallback }) => {
      const x = input(inputs, 'x');
      const xs = backend.floats(x);
      if (xs === null) return fallback();
      const alpha = alphaAttr === undefined ? 0 : Number(attrs[alphaAttr] ?? 0);
      return backend.output(x.shape, backend.addon.unary(code, xs, alpha));
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
