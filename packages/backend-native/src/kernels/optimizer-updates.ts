import { ADAMW_UPDATE, LARS_UPDATE, SGD_UPDATE } from '@ssdet/core';
import type {
  AdamWUpdateAttrs,
  LarsUpdateAttrs,
  NativeAddon,
  SgdUpdateAttrs,
} from '../native-addon.js';
import { input, type NativeKernelConfig } from './native-kernel.js';

/**
 * A fused optimizer update of `@ssdet/core` in one addon call. Inputs are the variable, its
 * gradient and its slots (`inputNames`, in the addon's order); the op's attributes go to the addon
 * as they are, since they are the addon's (both follow the core's fused-update contract, and the
 * addon checks each by name). The outputs are the new variable and slots — every input but the
 * gradient, in order — each shaped as its input.
 */
function updateKernel<Attrs>(
  kernelName: string,
  inputNames: readonly string[],
  run: (addon: NativeAddon, inputs: Float32Array[], attrs: Attrs) => Float32Array[],
): NativeKernelConfig {
  const updated = inputNames.filter((name) => name !== 'gradient');
  return {
    kernelName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const values = inputNames.map((name) => {
        const floats = backend.floats(input(inputs, name));
        if (floats === null) throw new Error(`${kernelName}: "${name}" must be float32`);
        return floats;
      });
      const outputs = run(backend.addon, values, attrs as unknown as Attrs);
      return updated.map((name, i) => backend.output(input(inputs, name).shape, outputs[i]!));
    },
  };
}

/** `@ssdet/core`'s SGD-with-momentum update in one call. */
export const sgdUpdateKernel = updateKernel<SgdUpdateAttrs>(
  SGD_UPDATE,
  ['variable', 'gradient', 'buffer'],
  (addon, inputs, attrs) => addon.sgdUpdate(inputs, attrs),
);

/** `@ssdet/core`'s LARS update (SoCo's form) in one call. */
export const larsUpdateKernel = updateKernel<LarsUpdateAttrs>(
  LARS_UPDATE,
  ['variable', 'gradient', 'buffer'],
  (addon, inputs, attrs) => addon.larsUpdate(inputs, attrs),
);

/** `@ssdet/core`'s AdamW update in one call. */
export const adamwUpdateKernel = updateKernel<AdamWUpdateAttrs>(
  ADAMW_UPDATE,
  ['variable', 'gradient', 'expAvg', 'expAvgSq', 'step'],
  (addon, inputs, attrs) => addon.adamwUpdate(inputs, attrs),
);
