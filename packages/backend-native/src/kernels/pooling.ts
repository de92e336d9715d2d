import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

type Shape4 = [number, number, number, number];

/** The 14 integers the addon's pooling takes (see `native/pooling.cc`). */
function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  const { padInfo } = info;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    padInfo.top,
    padInfo.bottom,
    padInfo.left,
    padInfo.right,
  ];
}

function poolInfo(x: tf.TensorInfo, attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
  return tf.backend_util.computePool2DInfo(
    x.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

function poolKernel(kernelName: string, kind: 0 | 1): NativeKernelConfig {
  return {
    kernelName,
    kernelFunc: ({ inputs, backend, attrs, fallback }) => {
      const x = input(inputs, 'x');
      const xs = backend.floats(x);
      if (xs === null || x.shape.length !== 4) return fallback();
      const info = poolInfo(x, attrs);
      return backend.output(info.outShape, backend.addon.pool(xs, geometry(info), kind));
    },
  };
}

/** Max over each window of an NHWC map; padding never wins. */
export const maxPoolKernel = poolKernel(tf.MaxPool, 0);

/** Mean over the in-bounds values of each window, as tfjs-backend-cpu. */
export const avgPoolKernel = poolKernel(tf.AvgPool, 1);

/** Routes each `dy` to the first maximum of its window (scan order), as tfjs-backend-cpu. */
export const maxPoolGradKernel: NativeKernelConfig = {
  kernelName: tf.MaxPoolGrad,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'input');
    const dys = backend.floats(dy);
    const xs = backend.floats(x);
    if (dys === null || xs === null) return fallback();
    const info = poolInfo(x, attrs);
    return backend.output(x.shape, backend.addon.maxPoolBackprop(dys, xs, geometry(info)));
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
    const info = poolInfo(x, attrs);
    return backend.output(x.shape, backend.addon.avgPoolBackprop(dys, geometry(info)));
  },
};
