import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNormAttrs } from '../native-addon.js';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** The addon's attributes for `x` of `shape`: every axis but the last (channels) as rows. */
function batchNormAttrs(shape: readonly number[], epsilon: unknown): BatchNormAttrs {
  if (shape.length < 2) {
    throw new Error(
      `${BATCH_NORM_TRAINING} needs input of rank ≥ 2 with channels last; got shape [${shape.join(', ')}]`,
    );
  }
  return {
    rows: tf.util.sizeFromShape(shape.slice(0, -1)),
    channels: shape.at(-1)!,
    epsilon: Number(epsilon),
  };
}

function floatsOf(values: Float32Array | null, name: string): Float32Array {
  if (values === null) throw new Error(`${BATCH_NORM_TRAINING}: "${name}" must be float32`);
  return values;
}

/**
 * Training-mode batch normalisation over every axis but the last, in one oneDNN primitive:
 * `y = γ·(x − μ)/√(σ² + ε) + β`, μ and σ² (biased) the batch statistics per channel.
 */
export const batchNormTrainingKernel: NativeKernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  kernelFunc: ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x');
    const scale = input(inputs, 'scale');
    const offset = input(inputs, 'offset');
    const channels = x.shape.at(-1) ?? 0;
    const [y, mean, variance] = backend.addon.batchNormForward(
      floatsOf(backend.floats(x), 'x'),
      floatsOf(backend.floats(scale), 'scale'),
      floatsOf(backend.floats(offset), 'offset'),
      batchNormAttrs(x.shape, attrs['epsilon']),
    );
    return [
      backend.output(x.shape, y),
      backend.output([channels], mean),
      backend.output([channels], variance),
    ];
  },
};

/**
 * With x̂ = (x − μ)/√(σ² + ε) and m values per channel:
 * `∂β = Σ dy`, `∂γ = Σ dy·x̂`, `∂x = γ/√(σ² + ε) · (dy − ∂β/m − x̂·∂γ/m)`.
 */
export const batchNormTrainingGradKernel: NativeKernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  kernelFunc: ({ inputs, backend, attrs }) => {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'x');
    const channels = x.shape.at(-1) ?? 0;
    const [dx, dscale, doffset] = backend.addon.batchNormBackward(
      floatsOf(backend.floats(x), 'x'),
      floatsOf(backend.floats(dy), 'dy'),
      floatsOf(backend.floats(input(inputs, 'scale')), 'scale'),
      floatsOf(backend.floats(input(inputs, 'mean')), 'mean'),
      floatsOf(backend.floats(input(inputs, 'variance')), 'variance'),
      batchNormAttrs(x.shape, attrs['epsilon']),
    );
    return [
      backend.output(x.shape, dx),
      backend.output([channels], dscale),
      backend.output([channels], doffset),
    ];
  },
};
