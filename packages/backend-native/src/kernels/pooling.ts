import * as tf from '@tensorflow/tfjs-core';
import type { Window2DAttrs } from '../native-addon.js';
import type { OpName } from '../op-codes.js';
import { conv2DAttrs, input, type NativeKernelConfig } from './native-kernel.js';

type Shape4 = [number, number, number, number];

/** tfjs's pooling geometry of `x` and the addon's attributes for it. */
function poolInfo(
  x: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
): { info: tf.backend_util.Conv2DInfo; poolAttrs: Window2DAttrs } {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return { info, poolAttrs: conv2DAttrs(info) };
}

function poolKernel(kernelName: string, op: OpName<'pool'>): NativeKernelConfig {
  return {
    kernelName,
    kernelFunc: ({ inputs, backend, attrs, fallback }) => {
      const x = input(inputs, 'x');
      const xs = backend.floats(x);
      if (xs === null || x.shape.length !== 4) return fallback();
      const { info, poolAttrs } = poolInfo(x, attrs);
      const y = backend.addon.pool(backend.addon.opCodes.pool[op], xs, poolAttrs);
      return backend.output(info.outShape, y);
    },
  };
}

/** Max over each window of an NHWC map; padding never wins. */
export const maxPoolKernel = poolKernel(tf.MaxPool, 'Max');

/** Mean over the in-bounds values of each window, as tfjs-backend-cpu. */
export const avgPoolKernel = poolKernel(tf.AvgPool, 'Avg');

/** Routes each `dy` to the first maximum of its window (scan order), as tfjs-backend-cpu. */
export const maxPoolGradKernel: NativeKernelConfig = {
  kernelName: tf.MaxPoolGrad,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'input');
    const dys = backend.floats(dy);
    const xs = backend.floats(x);
    if (dys === null || xs === null) return fallback();
    const { poolAttrs } = poolInfo(x, attrs);
    return backend.output(x.shape, backend.addon.maxPoolBackprop(dys, xs, poolAttrs));
  },
};

/**
 * Spreads each `dy` evenly over its window, dividing by the full window size even where it
 * overlaps padding — tfjs-backend-cpu's convention (its forward pass divides by the in-bounds
 * count), kept so that both backends agree.
 */
export const avgPoolGradKernel: NativeKernelConfig = {
  kernelName: tf.AvgPoolGrad,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'input');
    const dys = backend.floats(dy);
    if (dys === null || x.dtype !== 'float32') return fallback();
    const { poolAttrs } = poolInfo(x, attrs);
    return backend.output(x.shape, backend.addon.avgPoolBackprop(dys, poolAttrs));
  },
};
