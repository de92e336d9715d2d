import type * as tf from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, FusedActivationAttrs, NativeAddon } from '../native-addon.js';
import type { NativeBackend } from '../native-backend.js';
import type { OpName } from '../op-codes.js';

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

/** tfjs's fused activations by the addon's names for them; `prelu` has no native form. */
const ACTIVATIONS: ReadonlyMap<unknown, OpName<'activation'>> = new Map([
  ['linear', 'Linear'],
  ['relu', 'Relu'],
  ['relu6', 'Relu6'],
  ['elu', 'Elu'],
  ['leakyrelu', 'LeakyRelu'],
  ['sigmoid', 'Sigmoid'],
] as const);

/**
 * The addon's attributes for tfjs's fused `activation` (none: linear), or `undefined` when it has
 * no native form.
 */
export function fusedActivation(
  addon: NativeAddon,
  activation: unknown,
  leakyreluAlpha = 0,
): FusedActivationAttrs | undefined {
  const name = ACTIVATIONS.get(activation ?? 'linear');
  return name === undefined
    ? undefined
    : { activation: addon.opCodes.activation[name], leakyreluAlpha };
}

/**
 * The addon's attributes for tfjs's convolution or pooling geometry (channels last): those of a
 * convolution, a superset of a pooling's.
 */
export function conv2DAttrs(info: tf.backend_util.Conv2DInfo): Conv2DAttrs {
  const { padInfo } = info;
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: padInfo.top,
    padBottom: padInfo.bottom,
    padLeft: padInfo.left,
    padRight: padInfo.right,
    outChannels: info.outChannels,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
  };
}

/** The float32 values of input `name` of a call to `kernelName`; an error naming both otherwise. */
export function floatInput(args: NativeKernelArgs, kernelName: string, name: string): Float32Array {
  const floats = args.backend.floats(input(args.inputs, name));
  if (floats === null) throw new Error(`${kernelName}: "${name}" must be float32`);
  return floats;
}

/** The tensor input `name` of a kernel call (tfjs types every input as optional). */
export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const tensor = inputs[name];
  if (tensor === undefined) throw new Error(`the native kernel got no "${name}" input`);
  return tensor;
}
