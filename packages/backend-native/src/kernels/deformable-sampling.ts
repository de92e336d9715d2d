import type { DeformableSamplingAttrs } from '../native-addon.js';
import { input, type NativeKernelArgs, type NativeKernelConfig } from './native-kernel.js';

/**
 * `@ssdet/detr`'s multi-scale deformable attention kernels (`MS_DEFORM_ATTN`,
 * `MS_DEFORM_ATTN_GRAD` there; a test checks the names agree): inputs `value` `[B, S, M, D]`,
 * `samplingLocations` `[B, Q, M, L, P, 2]`, `attentionWeights` `[B, Q, M, L, P]` (and `dy` for the
 * gradient); attr `spatialShapes` `[H₀, W₀, H₁, W₁, …]`. detr registers JavaScript loops for
 * `native` when nothing else has; these run the same loops in C++ on all threads.
 */
export const MS_DEFORM_ATTN_KERNEL = 'SsdetMsDeformAttn';
export const MS_DEFORM_ATTN_GRAD_KERNEL = 'SsdetMsDeformAttnGrad';

interface SamplingArguments {
  readonly value: Float32Array;
  readonly locations: Float32Array;
  readonly attention: Float32Array;
  readonly attrs: DeformableSamplingAttrs;
}

function samplingArguments({ inputs, backend, attrs }: NativeKernelArgs): SamplingArguments | null {
  const value = input(inputs, 'value');
  const locations = input(inputs, 'samplingLocations');
  const values = backend.floats(value);
  const locationValues = backend.floats(locations);
  const attention = backend.floats(input(inputs, 'attentionWeights'));
  if (values === null || locationValues === null || attention === null) return null;
  const [batch, length, heads, headDim] = value.shape;
  return {
    value: values,
    locations: locationValues,
    attention,
    attrs: {
      batch: batch!,
      length: length!,
      heads: heads!,
      headDim: headDim!,
      queries: locations.shape[1]!,
      points: locations.shape[4]!,
      spatialShapes: attrs['spatialShapes'] as number[],
    },
  };
}

function float32Only(kernelName: string): never {
  throw new Error(`${kernelName} on the native backend needs float32 inputs`);
}

export const msDeformAttnKernel: NativeKernelConfig = {
  kernelName: MS_DEFORM_ATTN_KERNEL,
  kernelFunc: (args) => {
    const a = samplingArguments(args) ?? float32Only(MS_DEFORM_ATTN_KERNEL);
    const out = args.backend.addon.deformableSamplingForward(
      a.value,
      a.locations,
      a.attention,
      a.attrs,
    );
    const { batch, queries, heads, headDim } = a.attrs;
    return args.backend.output([batch, queries, heads * headDim], out);
  },
};

export const msDeformAttnGradKernel: NativeKernelConfig = {
  kernelName: MS_DEFORM_ATTN_GRAD_KERNEL,
  kernelFunc: (args) => {
    const a = samplingArguments(args) ?? float32Only(MS_DEFORM_ATTN_GRAD_KERNEL);
    const dy =
      args.backend.floats(input(args.inputs, 'dy')) ?? float32Only(MS_DEFORM_ATTN_GRAD_KERNEL);
    const [gValue, gLocations, gAttention] = args.backend.addon.deformableSamplingBackward(
      a.value,
      a.locations,
      a.attention,
      dy,
      a.attrs,
    );
    return [
      args.backend.output(input(args.inputs, 'value').shape, gValue),
      args.backend.output(input(args.inputs, 'samplingLocations').shape, gLocations),
      args.backend.output(input(args.inputs, 'attentionWeights').shape, gAttention),
    ];
  },
};
