import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/**
 * `tf.unsortedSegmentSum` of a float32 tensor in one pass: row `i` of `x` is added to output row
 * `segmentIds[i]`; ids outside `[0, numSegments)` are dropped, as in TensorFlow. It is the
 * gradient of `tf.gather`, and tfjs-backend-cpu's version makes one masked pass over all of `x`
 * per segment (a DETR criterion gathering matched rows of a [queries, 2048] output pays 100
 * passes). Rows are added in ascending `i`, the order the masked sums add them in.
 */
export const unsortedSegmentSumKernel: NativeKernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const x = input(inputs, 'x');
    const segmentIds = input(inputs, 'segmentIds');
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const xs = backend.floats(x);
    const ids = backend.data.get(segmentIds.dataId).values;
    if (xs === null || x.shape.length === 0 || !(ids instanceof Int32Array)) return fallback();
    if (tf.util.sizeFromShape(segmentIds.shape) !== x.shape[0]) return fallback();
    const inner = tf.util.sizeFromShape(x.shape.slice(1));
    const out = new Float32Array(numSegments * inner);
    for (let row = 0; row < ids.length; row++) {
      const segment = ids[row]!;
      if (segment < 0 || segment >= numSegments) continue;
      const from = row * inner;
      const to = segment * inner;
      for (let j = 0; j < inner; j++) out[to + j]! += xs[from + j]!;
    }
    return backend.output([numSegments, ...x.shape.slice(1)], out);
  },
};
