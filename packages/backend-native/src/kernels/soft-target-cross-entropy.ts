import type { SoftTargetCrossEntropyAttrs } from '../native-addon.js';
import {
  floatInput,
  input,
  type NativeKernelArgs,
  type NativeKernelConfig,
} from './native-kernel.js';

/**
 * `@ssdet/nn`'s soft-target cross-entropy kernels (`SOFT_TARGET_CROSS_ENTROPY`,
 * `SOFT_TARGET_CROSS_ENTROPY_GRAD` there; a test checks the names agree): inputs `student`
 * `[M, D]`, `teacher` `[M, D]`, `center` `[D]` (and the scalar `dy` for the gradient); attrs
 * `studentTemperature`, `teacherTemperature`. Without them `softTargetCrossEntropy` runs tfjs ops
 * on chunks of rows; with them each row is read once per pass, on all threads.
 */
export const SOFT_TARGET_CROSS_ENTROPY_KERNEL = 'SsdetSoftTargetCrossEntropy';
export const SOFT_TARGET_CROSS_ENTROPY_GRAD_KERNEL = 'SsdetSoftTargetCrossEntropyGrad';

interface Arguments {
  readonly student: Float32Array;
  readonly teacher: Float32Array;
  readonly center: Float32Array;
  readonly attrs: SoftTargetCrossEntropyAttrs;
}

function readArguments(args: NativeKernelArgs, kernelName: string): Arguments {
  const [rows, cols] = input(args.inputs, 'student').shape;
  return {
    student: floatInput(args, kernelName, 'student'),
    teacher: floatInput(args, kernelName, 'teacher'),
    center: floatInput(args, kernelName, 'center'),
    attrs: {
      rows: rows!,
      cols: cols!,
      studentTemperature: args.attrs['studentTemperature'] as number,
      teacherTemperature: args.attrs['teacherTemperature'] as number,
    },
  };
}

export const softTargetCrossEntropyKernel: NativeKernelConfig = {
  kernelName: SOFT_TARGET_CROSS_ENTROPY_KERNEL,
  kernelFunc: (args) => {
    const a = readArguments(args, SOFT_TARGET_CROSS_ENTROPY_KERNEL);
    const loss = args.backend.addon.softTargetCrossEntropy(a.student, a.teacher, a.center, a.attrs);
    return args.backend.output([], loss);
  },
};

export const softTargetCrossEntropyGradKernel: NativeKernelConfig = {
  kernelName: SOFT_TARGET_CROSS_ENTROPY_GRAD_KERNEL,
  kernelFunc: (args) => {
    const a = readArguments(args, SOFT_TARGET_CROSS_ENTROPY_GRAD_KERNEL);
    const dy = floatInput(args, SOFT_TARGET_CROSS_ENTROPY_GRAD_KERNEL, 'dy');
    const gradient = args.backend.addon.softTargetCrossEntropyGrad(
      a.student,
      a.teacher,
      a.center,
      dy,
      a.attrs,
    );
    return args.backend.output(input(args.inputs, 'student').shape, gradient);
  },
};
