import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrainingGradKernel, batchNormTrainingKernel } from './kernels/batch-norm.js';
import { binaryKernels, reluGradKernel } from './kernels/binary.js';
import { dropoutKernel } from './kernels/dropout.js';
import { layerNormGradKernel, layerNormKernel } from './kernels/layer-norm.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  fusedConv2dKernel,
} from './kernels/convolution.js';
import { msDeformAttnGradKernel, msDeformAttnKernel } from './kernels/deformable-sampling.js';
import {
  concatKernel,
  gatherKernel,
  padKernel,
  sliceKernel,
  splitKernel,
  transposeKernel,
} from './kernels/data-movement.js';
import { softmaxKernel } from './kernels/softmax.js';
import { unpackKernel } from './kernels/unpack.js';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';
import {
  softTargetCrossEntropyGradKernel,
  softTargetCrossEntropyKernel,
} from './kernels/soft-target-cross-entropy.js';
import {
  adamwUpdateKernel,
  emaUpdateKernel,
  larsUpdateKernel,
  sgdUpdateKernel,
} from './kernels/optimizer-updates.js';
import { batchMatMulKernel, fusedMatMulKernel } from './kernels/matmul.js';
import type { NativeKernelConfig } from './kernels/native-kernel.js';
import {
  avgPoolGradKernel,
  avgPoolKernel,
  maxPoolGradKernel,
  maxPoolKernel,
} from './kernels/pooling.js';
import { reductionKernels } from './kernels/reduction.js';
import { addNKernel, unaryKernels } from './kernels/unary.js';
import type { NativeAddon } from './native-addon.js';
import { NATIVE_BACKEND_NAME, NativeBackend } from './native-backend.js';

/** Kernels that run in the addon; every other cpu kernel is registered for `native` unchanged. */
export const NATIVE_KERNELS: readonly NativeKernelConfig[] = [
  conv2dKernel,
  fusedConv2dKernel,
  conv2dBackpropInputKernel,
  conv2dBackpropFilterKernel,
  batchMatMulKernel,
  fusedMatMulKernel,
  maxPoolKernel,
  avgPoolKernel,
  maxPoolGradKernel,
  avgPoolGradKernel,
  ...binaryKernels,
  ...unaryKernels,
  addNKernel,
  ...reductionKernels,
  padKernel,
  sliceKernel,
  splitKernel,
  transposeKernel,
  concatKernel,
  gatherKernel,
  unsortedSegmentSumKernel,
  unpackKernel,
  softmaxKernel,
];

/** Kernels tfjs-backend-cpu does not have, for ops of `@ssdet/core`, `@ssdet/nn` and `@ssdet/detr`. */
const NATIVE_ONLY_KERNELS: readonly NativeKernelConfig[] = [
  batchNormTrainingKernel,
  batchNormTrainingGradKernel,
  msDeformAttnKernel,
  msDeformAttnGradKernel,
  sgdUpdateKernel,
  larsUpdateKernel,
  adamwUpdateKernel,
  emaUpdateKernel,
  softTargetCrossEntropyKernel,
  softTargetCrossEntropyGradKernel,
  reluGradKernel,
  dropoutKernel,
  layerNormKernel,
  layerNormGradKernel,
];

/** Above `cpu` (1) and `wasm`/`webgl` (2), so that `tf.ready()` alone picks it. */
export const NATIVE_BACKEND_PRIORITY = 3;

/**
 * Registers the `native` backend with the one `@tensorflow/tfjs-core` in this process: every
 * kernel tfjs-backend-cpu has registered so far (import it first), the native ones in place of
 * their cpu namesakes, and the fused batch-norm kernels (their op and gradient live in `@ssdet/core`). Calling it again does
 * nothing.
 */
export function registerNativeBackend(addon: NativeAddon): void {
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME) !== null) return;
  const overrides = new Map(NATIVE_KERNELS.map((kernel) => [kernel.kernelName, kernel]));
  const nativeOnly = new Set(NATIVE_ONLY_KERNELS.map((kernel) => kernel.kernelName));
  for (const cpuKernel of tf.getKernelsForBackend('cpu')) {
    // A package may have registered its own cpu version of a kernel native runs in C++.
    if (nativeOnly.has(cpuKernel.kernelName)) continue;
    const native = overrides.get(cpuKernel.kernelName);
    tf.registerKernel(
      native === undefined
        ? { ...cpuKernel, backendName: NATIVE_BACKEND_NAME }
        : {
            kernelName: cpuKernel.kernelName,
            backendName: NATIVE_BACKEND_NAME,
            kernelFunc: (params) =>
              native.kernelFunc({
                inputs: params.inputs,
                backend: params.backend as NativeBackend,
                attrs: params.attrs ?? {},
                fallback: () => cpuKernel.kernelFunc(params),
              }),
          },
    );
  }
  for (const kernel of NATIVE_ONLY_KERNELS) {
    tf.registerKernel({
      kernelName: kernel.kernelName,
      backendName: NATIVE_BACKEND_NAME,
      kernelFunc: (params) =>
        kernel.kernelFunc({
          inputs: params.inputs,
          backend: params.backend as NativeBackend,
          attrs: params.attrs ?? {},
          fallback: () => {
            throw new Error(`${kernel.kernelName} has no fallback`);
          },
        }),
    });
  }
  tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon), NATIVE_BACKEND_PRIORITY);
}
