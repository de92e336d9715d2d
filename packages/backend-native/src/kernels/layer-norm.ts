import { LAYER_NORM, LAYER_NORM_GRAD } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNormAttrs } from '../native-addon.js';
import { floatInput, input, type NativeKernelConfig } from './native-kernel.js';

/** The addon's attributes for `x` of `shape`: every axis but the last as rows. */
function layerNormAttrs(shape: readonly number[], epsilon: unknown): LayerNormAttrs {
  const cols = shape.at(-1) ?? 1;
  return {
    rows: tf.util.sizeFromShape([...shape]) / Math.max(cols, 1),
    cols,
    epsilon: Number(epsilon),
  };
}

/** Layer normalisation over the last axis in one pass per row: `[y, mean, rstd]`. */
export const layerNormKernel: NativeKernelConfig = {
  kernelName: LAYER_NORM,
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args;
    const x = input(inputs, 'x');
    const [y, mean, rstd] = backend.addon.layerNorm(
      floatInput(args, LAYER_NORM, 'x'),
      floatInput(args, LAYER_NORM, 'gamma'),
      floatInput(args, LAYER_NORM, 'beta'),
      layerNormAttrs(x.shape, attrs['epsilon']),
    );
    const rowShape = x.shape.slice(0, -1);
    return [
      backend.output(x.shape, y),
      backend.output(rowShape, mean),
      backend.output(rowShape, rstd),
    ];
  },
};

/** `[dx, dgamma, dbeta]` of {@link layerNormKernel}, from the saved `x`, `gamma`, `mean`, `rstd`. */
export const layerNormGradKernel: NativeKernelConfig = {
  kernelName: LAYER_NORM_GRAD,
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args;
    const x = input(inputs, 'x');
    const gamma = input(inputs, 'gamma');
    const [dx, dgamma, dbeta] = backend.addon.layerNormGrad(
      floatInput(args, LAYER_NORM_GRAD, 'dy'),
      floatInput(args, LAYER_NORM_GRAD, 'x'),
      floatInput(args, LAYER_NORM_GRAD, 'gamma'),
      floatInput(args, LAYER_NORM_GRAD, 'mean'),
      floatInput(args, LAYER_NORM_GRAD, 'rstd'),
      layerNormAttrs(x.shape, attrs['epsilon']),
    );
    return [
      backend.output(x.shape, dx),
      backend.output(gamma.shape, dgamma),
      backend.output(gamma.shape, dbeta),
    ];
  },
};
