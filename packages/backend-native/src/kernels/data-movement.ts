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

/** `tf.concat` of float32 tensors along any axis: one memcpy per input per outer index. */
export const concatKernel: NativeKernelConfig = {
  kernelName: tf.Concat,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const tensors = Object.values(inputs).filter((t): t is tf.TensorInfo => t !== undefined);
    const first = tensors[0];
    if (first === undefined || first.shape.length === 0) return fallback();
    const axis = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, first.shape)[0]!;
    const values: Float32Array[] = [];
    for (const tensor of tensors) {
      const floats = backend.floats(tensor);
      if (floats === null || tensor.shape.length !== first.shape.length) return fallback();
      values.push(floats);
    }
    const outer = tf.util.sizeFromShape(first.shape.slice(0, axis));
    const inners = tensors.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const outShape = [...first.shape];
    outShape[axis] = tensors.reduce((total, t) => total + t.shape[axis]!, 0);
    return backend.output(outShape, backend.addon.concat(values, inners, outer));
  },
};

/** `tf.gather` of float32 tensors (batchDims 0); out-of-range indices get the cpu kernel's error. */
export const gatherKernel: NativeKernelConfig = {
  kernelName: tf.GatherV2,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const indices = input(inputs, 'indices');
    const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
    const xs = backend.floats(x);
    const indexValues = backend.data.get(indices.dataId).values;
    if (xs === null || (batchDims ?? 0) !== 0 || !(indexValues instanceof Int32Array)) {
      return fallback();
    }
    const along = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const axisSize = x.shape[along]!;
    for (const index of indexValues) if (index < 0 || index >= axisSize) return fallback();
    const outer = tf.util.sizeFromShape(x.shape.slice(0, along));
    const inner = tf.util.sizeFromShape(x.shape.slice(along + 1));
    const outShape = [...x.shape.slice(0, along), ...indices.shape, ...x.shape.slice(along + 1)];
    return backend.output(
      outShape,
      backend.addon.gather(xs, indexValues, { outer, axisSize, inner }),
    );
  },
};
