import * as tf from '@tensorflow/tfjs-core';
import { conv2DAttrs, fusedActivation, input, type NativeKernelConfig } from './native-kernel.js';

type Shape4 = [number, number, number, number];

/** tfjs's convolution geometry for channels-last (NHWC) data, as every kernel here needs it. */
function conv2dInfo(
  inputShape: readonly number[],
  filterShape: readonly number[],
  strides: tf.Conv2DAttrs['strides'],
  dilations: tf.Conv2DAttrs['dilations'],
  pad: tf.Conv2DAttrs['pad'],
  dimRoundingMode: tf.Conv2DAttrs['dimRoundingMode'],
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape as Shape4,
    filterShape as Shape4,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * `y = x ⋆ w` (cross-correlation), NHWC × HWIO → NHWC, any stride, dilation and padding
 * ('same', 'valid', explicit). NCHW falls back to tfjs-backend-cpu.
 */
export const conv2dKernel: NativeKernelConfig = {
  kernelName: tf.Conv2D,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const filter = input(inputs, 'filter');
    const { strides, pad, dataFormat, dilations, dimRoundingMode } =
      attrs as unknown as tf.Conv2DAttrs;
    const xs = backend.floats(x);
    const ws = backend.floats(filter);
    if (dataFormat !== 'NHWC' || xs === null || ws === null) return fallback();
    const info = conv2dInfo(x.shape, filter.shape, strides, dilations, pad, dimRoundingMode);
    const linear = { activation: backend.addon.opCodes.activation.Linear, leakyreluAlpha: 0 };
    const y = backend.addon.conv2d(xs, ws, null, conv2DAttrs(info), linear);
    return backend.output(info.outShape, y);
  },
};

/**
 * `act(x ⋆ w + bias)` in one oneDNN primitive (bias and activation as post-ops), as tfjs-layers
 * and `tf.fused.conv2d` call it. PReLU, a bias that is not one value per output channel, and
 * NCHW fall back to tfjs-backend-cpu.
 */
export const fusedConv2dKernel: NativeKernelConfig = {
  kernelName: tf.FusedConv2D,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const filter = input(inputs, 'filter');
    const bias = inputs['bias'];
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } =
      attrs as unknown as tf.FusedConv2DAttrs;
    const fused = fusedActivation(backend.addon, activation, leakyreluAlpha);
    const xs = backend.floats(x);
    const ws = backend.floats(filter);
    if (dataFormat !== 'NHWC' || fused === undefined || xs === null || ws === null)
      return fallback();
    const info = conv2dInfo(x.shape, filter.shape, strides, dilations, pad, dimRoundingMode);
    let biasValues: Float32Array | null = null;
    if (bias !== undefined) {
      biasValues = backend.floats(bias);
      if (biasValues === null || tf.util.sizeFromShape(bias.shape) !== info.outChannels) {
        return fallback();
      }
    }
    const y = backend.addon.conv2d(xs, ws, biasValues, conv2DAttrs(info), fused);
    return backend.output(info.outShape, y);
  },
};

/** `∂L/∂x` of a convolution (tf.conv2dTranspose): dy ⋆ᵀ w, dilation 1 as tfjs's gradient. */
export const conv2dBackpropInputKernel: NativeKernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const dy = input(inputs, 'dy');
    const filter = input(inputs, 'filter');
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const dys = backend.floats(dy);
    const ws = backend.floats(filter);
    if (dataFormat !== 'NHWC' || dys === null || ws === null) return fallback();
    const info = conv2dInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode);
    return backend.output(
      inputShape,
      backend.addon.conv2dBackpropInput(dys, ws, conv2DAttrs(info)),
    );
  },
};

/** `∂L/∂w[u,v,c,o] = Σ_{b,i,j} x[b, s·i+u−p, s·j+v−p, c] · dy[b,i,j,o]`, returned as HWIO. */
export const conv2dBackpropFilterKernel: NativeKernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const xs = backend.floats(x);
    const dys = backend.floats(dy);
    if (dataFormat !== 'NHWC' || xs === null || dys === null) return fallback();
    const info = conv2dInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
    return backend.output(
      filterShape,
      backend.addon.conv2dBackpropFilter(xs, dys, conv2DAttrs(info)),
    );
  },
};
