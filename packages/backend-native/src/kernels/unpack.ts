import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/**
 * `tf.unstack` of a float32 tensor: output `i` is `x`'s slice `i` along `axis`, copied run by run
 * (each run is the `inner` contiguous values after `axis`). tfjs-backend-cpu's kernel slices each
 * output with its generic slice, which for any axis but the first visits the elements one by one
 * through index arithmetic: DETR's box code unstacks `[…, 4]` coordinates along the last axis
 * (UP-DETR: 80 calls, 50–120 ms a step).
 */
export const unpackKernel: NativeKernelConfig = {
  kernelName: tf.Unpack,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'value');
    const xs = backend.floats(x);
    if (xs === null || x.shape.length === 0) return fallback();
    const rank = x.shape.length;
    const rawAxis = Number((attrs as unknown as tf.UnpackAttrs).axis);
    const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) return fallback();
    const count = x.shape[axis]!;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const outShape = [...x.shape.slice(0, axis), ...x.shape.slice(axis + 1)];
    const outputs: tf.TensorInfo[] = [];
    for (let i = 0; i < count; i++) {
      const out = new Float32Array(outer * inner);
      if (inner === 1) {
        for (let o = 0; o < outer; o++) out[o] = xs[o * count + i]!;
      } else {
        for (let o = 0; o < outer; o++) {
          const from = (o * count + i) * inner;
          out.set(xs.subarray(from, from + inner), o * inner);
        }
      }
      outputs.push(backend.output(outShape, out));
    }
    return outputs;
  },
};
