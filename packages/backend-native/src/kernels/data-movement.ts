import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** Constant padding of a float32 tensor (`tf.pad`), one memcpy per innermost run. */
export const padKernel: NativeKernelConfig = {
  kernelName: tf.PadV2,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const xs = backend.floats(x);
    const { paddings, constantValue } = attrs as unknown as tf.PadV2Attrs;
    if (xs === null || x.shape.length === 0) return fallback();
    const before = paddings.map(([p]) => p);
    const after = paddings.map(([, p]) => p);
    const outShape = x.shape.map((size, i) => size + before[i]! + after[i]!);
    return backend.output(outShape, backend.addon.pad(xs, x.shape, before, after, constantValue));
  },
};

/** A contiguous block of a float32 tensor (`tf.slice`; also the gradient of `tf.pad`). */
export const sliceKernel: NativeKernelConfig = {
  kernelName: tf.Slice,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const xs = backend.floats(x);
    if (xs === null || x.shape.length === 0) return fallback();
    const { begin, size } = attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [
      number[],
      number[],
    ];
    return backend.output(extent, backend.addon.slice(xs, x.shape, start, extent));
  },
};

/** `out[i₀…] = x[i_perm…]` for float32 tensors (`tf.transpose`). */
export const transposeKernel: NativeKernelConfig = {
  kernelName: tf.Transpose,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const xs = backend.floats(x);
    const { perm } = attrs as unknown as tf.TransposeAttrs;
    if (xs === null || x.shape.length === 0) return fallback();
    const outShape = perm.map((axis) => x.shape[axis]!);
    return backend.output(outShape, backend.addon.transpose(xs, x.shape, perm));
  },
};

/** `tf.split` (also the gradient of `tf.concat`): one native slice per piece. */
export const splitKernel: NativeKernelConfig = {
  kernelName: tf.SplitV,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const xs = backend.floats(x);
    if (xs === null || x.shape.length === 0) return fallback();
    const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
    const along = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const length = x.shape[along]!;
    let sizes: number[];
    if (typeof numOrSizeSplits === 'number') {
      sizes = new Array<number>(numOrSizeSplits).fill(length / numOrSizeSplits);
    } else {
      const known = numOrSizeSplits.reduce((total, s) => (s === -1 ? total : total + s), 0);
      sizes = numOrSizeSplits.map((s) => (s === -1 ? length - known : s));
    }
    const begin = x.shape.map(() => 0);
    return sizes.map((size) => {
      const extent = [...x.shape];
      extent[along] = size;
      const piece = backend.output(extent, backend.addon.slice(xs, x.shape, begin, extent));
      begin[along]! += size;
      return piece;
    });
  },
};
