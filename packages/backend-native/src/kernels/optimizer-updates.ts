import { ADAMW_UPDATE, EMA_UPDATE, LARS_UPDATE, SGD_UPDATE } from '@ssdet/core';
import type {
  AdamWUpdateAttrs,
  EmaUpdateAttrs,
  LarsUpdateAttrs,
  NativeAddon,
  SgdUpdateAttrs,
  UpdateTargets,
} from '../native-addon.js';
import { input, type NativeKernelConfig } from './native-kernel.js';

/**
 * A fused update of `@ssdet/core` in one addon call. Inputs are the variable, its gradient (or,
 * for the EMA, the online variable) and its slots (`inputNames`, in the addon's order; `readOnly`
 * names the one input that is not updated); the op's attributes go to the addon as they are,
 * since they are the addon's (both follow the core's fused-update contract, and the addon checks
 * each by name). The outputs are the new variable and slots — every updated input, in order —
 * each shaped as its input.
 *
 * An updated input whose array nothing else holds ({@link NativeBackend.ownedFloats}) is
 * overwritten, and its output is another reference to the same data: the caller's `assign` then
 * keeps the variable on its array, and no step faults in fresh memory for it. An input whose data
 * another tensor shares gets a new array, so that tensor keeps the old values.
 */
function updateKernel<Attrs>(
  kernelName: string,
  inputNames: readonly string[],
  readOnly: string,
  run: (
    addon: NativeAddon,
    inputs: Float32Array[],
    attrs: Attrs,
    into: UpdateTargets,
  ) => Float32Array[],
): NativeKernelConfig {
  const updated = inputNames.filter((name) => name !== readOnly);
  return {
    kernelName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const values = inputNames.map((name) => {
        const floats = backend.floats(input(inputs, name));
        if (floats === null) throw new Error(`${kernelName}: "${name}" must be float32`);
        return floats;
      });
      // Two updated inputs on one array (a caller's mistake) must not both be written into it.
      const claimed = new Set<object>();
      const into = updated.map((name) => {
        const info = input(inputs, name);
        if (claimed.has(info.dataId)) return null;
        claimed.add(info.dataId);
        return backend.ownedFloats(info);
      });
      const outputs = run(backend.addon, values, attrs as unknown as Attrs, into);
      return updated.map((name, i) => {
        const info = input(inputs, name);
        return into[i] === null ? backend.output(info.shape, outputs[i]!) : backend.sameData(info);
      });
    },
  };
}

/** `@ssdet/core`'s SGD-with-momentum update in one call. */
export const sgdUpdateKernel = updateKernel<SgdUpdateAttrs>(
  SGD_UPDATE,
  ['variable', 'gradient', 'buffer'],
  'gradient',
  (addon, inputs, attrs, into) => addon.sgdUpdate(inputs, attrs, into),
);

/** `@ssdet/core`'s LARS update (SoCo's form) in one call. */
export const larsUpdateKernel = updateKernel<LarsUpdateAttrs>(
  LARS_UPDATE,
  ['variable', 'gradient', 'buffer'],
  'gradient',
  (addon, inputs, attrs, into) => addon.larsUpdate(inputs, attrs, into),
);

/** `@ssdet/core`'s AdamW update in one call. */
export const adamwUpdateKernel = updateKernel<AdamWUpdateAttrs>(
  ADAMW_UPDATE,
  ['variable', 'gradient', 'expAvg', 'expAvgSq', 'step'],
  'gradient',
  (addon, inputs, attrs, into) => addon.adamwUpdate(inputs, attrs, into),
);

/** `@ssdet/core`'s momentum (EMA) update of a target variable towards the online one, in one call. */
export const emaUpdateKernel = updateKernel<EmaUpdateAttrs>(
  EMA_UPDATE,
  ['target', 'online'],
  'online',
  (addon, inputs, attrs, into) => addon.emaUpdate(inputs, attrs, into),
);
