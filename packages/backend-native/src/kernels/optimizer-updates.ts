import { ADAMW_UPDATE, LARS_UPDATE, SGD_UPDATE } from '@ssdet/core';
import { input, type NativeKernelArgs, type NativeKernelConfig } from './native-kernel.js';

/** The float32 values of input `name`; the core only calls fused updates on float32 variables. */
function floatsOf({ inputs, backend }: NativeKernelArgs, name: string): Float32Array {
  const values = backend.floats(input(inputs, name));
  if (values === null) throw new Error(`native optimizer update: "${name}" must be float32`);
  return values;
}

const number = (args: NativeKernelArgs, name: string): number => Number(args.attrs[name]);

/** `@ssdet/core`'s SGD-with-momentum update in one call. */
export const sgdUpdateKernel: NativeKernelConfig = {
  kernelName: SGD_UPDATE,
  kernelFunc: (args) => {
    const variable = input(args.inputs, 'variable');
    const [w, b] = args.backend.addon.sgdUpdate(
      floatsOf(args, 'variable'),
      floatsOf(args, 'gradient'),
      floatsOf(args, 'buffer'),
      number(args, 'lr'),
      number(args, 'momentum'),
      number(args, 'weightDecay'),
      args.attrs['nesterov'] === true,
    );
    return [args.backend.output(variable.shape, w), args.backend.output(variable.shape, b)];
  },
};

/** `@ssdet/core`'s LARS update (SoCo's form) in one call. */
export const larsUpdateKernel: NativeKernelConfig = {
  kernelName: LARS_UPDATE,
  kernelFunc: (args) => {
    const variable = input(args.inputs, 'variable');
    const [w, b] = args.backend.addon.larsUpdate(
      floatsOf(args, 'variable'),
      floatsOf(args, 'gradient'),
      floatsOf(args, 'buffer'),
      number(args, 'lr'),
      number(args, 'momentum'),
      number(args, 'weightDecay'),
      number(args, 'trustCoefficient'),
      number(args, 'eps'),
      args.attrs['adapted'] === true,
    );
    return [args.backend.output(variable.shape, w), args.backend.output(variable.shape, b)];
  },
};

/** `@ssdet/core`'s AdamW update in one call. */
export const adamwUpdateKernel: NativeKernelConfig = {
  kernelName: ADAMW_UPDATE,
  kernelFunc: (args) => {
    const variable = input(args.inputs, 'variable');
    const [w, m, v, step] = args.backend.addon.adamwUpdate(
      floatsOf(args, 'variable'),
      floatsOf(args, 'gradient'),
      floatsOf(args, 'expAvg'),
      floatsOf(args, 'expAvgSq'),
      floatsOf(args, 'step'),
      number(args, 'lr'),
      number(args, 'beta1'),
      number(args, 'beta2'),
      number(args, 'eps'),
      number(args, 'weightDecay'),
    );
    return [
      args.backend.output(variable.shape, w),
      args.backend.output(variable.shape, m),
      args.backend.output(variable.shape, v),
      args.backend.output([], step),
    ];
  },
};
