import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** Numbered as the addon's `ReduceOp` enum; the attribute holding the axes differs for Max. */
const REDUCTIONS: readonly (readonly [kernelName: string, code: number, axisAttr: string])[] = [
  [tf.Sum, 0, 'axis'],
  [tf.Mean, 1, 'axis'],
  [tf.Max, 2, 'reductionIndices'],
  [tf.Min, 3, 'axis'],
];

/**
 * Sum, mean, max and min of float32 tensors over any axes, without the transposition
 * tfjs-backend-cpu performs first. Axis patterns the addon does not handle (more than three
 * alternating reduced/kept groups) run the cpu kernel.
 */
export const reductionKernels: readonly NativeKernelConfig[] = REDUCTIONS.map(
  ([kernelName, code, axisAttr]) => ({
    kernelName,
    kernelFunc: ({ inputs, backend, attrs, fallback }) => {
      const x = input(inputs, 'x');
      const xs = backend.floats(x);
      if (xs === null || x.shape.length === 0) return fallback();
      const axes = tf.util
        .parseAxisParam(attrs[axisAttr] as number | number[], x.shape)
        .sort((p, q) => p - q);
      const reduced = backend.addon.reduce(code, xs, x.shape, axes);
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
