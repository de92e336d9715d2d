import * as tf from '@tensorflow/tfjs-core';
import type { OpName } from '../op-codes.js';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** tfjs kernels, the addon's `opCodes.reduce` names for them, and the attribute holding the axes. */
const REDUCTIONS: readonly (readonly [
  kernelName: string,
  op: OpName<'reduce'>,
  axisAttr: string,
])[] = [
  [tf.Sum, 'Sum', 'axis'],
  [tf.Mean, 'Mean', 'axis'],
  [tf.Max, 'Max', 'reductionIndices'],
  [tf.Min, 'Min', 'axis'],
];

/**
 * Sum, mean, max and min of float32 tensors over any axes, without the transposition
 * tfjs-backend-cpu performs first. Empty tensors run the cpu kernel.
 */
export const reductionKernels: readonly NativeKernelConfig[] = REDUCTIONS.map(
  ([kernelName, op, axisAttr]) => ({
    kernelName,
    kernelFunc: ({ inputs, backend, attrs, fallback }) => {
      const x = input(inputs, 'x');
      const xs = backend.floats(x);
      if (xs === null || x.shape.length === 0) return fallback();
      const axes = tf.util
        .parseAxisParam(attrs[axisAttr] as number | number[], x.shape)
        .sort((p, q) => p - q);
      const reduced = backend.addon.reduce(backend.addon.opCodes.reduce[op], xs, x.shape, axes);
      if (reduced === null) return fallback();
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const shape =
        attrs['keepDims'] === true
          ? tf.backend_util.expandShapeToKeepDim(outShape, axes)
          : outShape;
      return backend.output(shape, reduced);
    },
  }),
);
