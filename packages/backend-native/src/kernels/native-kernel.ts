import type * as tf from '@tensorflow/tfjs-core';
import type { NativeBackend } from '../native-backend.js';

export interface NativeKernelArgs {
  readonly inputs: tf.NamedTensorInfoMap;
  readonly backend: NativeBackend;
  readonly attrs: tf.NamedAttrMap;
  /** Runs tfjs-backend-cpu's kernel on the same arguments: for dtypes, layouts or options the addon does not handle. */
  readonly fallback: () => tf.TensorInfo | tf.TensorInfo[];
}

/** A kernel of the `native` backend; registered over the cpu kernel of the same name. */
export interface NativeKernelConfig {
  readonly kernelName: string;
  readonly kernelFunc: (args: NativeKernelArgs) => tf.TensorInfo | tf.TensorInfo[];
}

/** Fused activations, numbered as the addon's `Activation` enum; `prelu` has no native form. */
export function activationCode(activation: unknown): number | undefined {
  switch (activation ?? 'linear') {
    case 'linear':
      return 0;
    case 'relu':
      return 1;
    case 'relu6':
      return 2;
    case 'elu':
      return 3;
    case 'leakyrelu':
      return 4;
    case 'sigmoid':
      return 5;
    default:
      return undefined;
  }
}

/** The tensor input `name` of a kernel call (tfjs types every input as optional). */
export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const tensor = inputs[name];
  if (tensor === undefined) throw new Error(`the native kernel got no "${name}" input`);
  return tensor;
}
