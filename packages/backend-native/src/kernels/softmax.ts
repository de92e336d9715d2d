import * as tf from '@tensorflow/tfjs-core';
import { input, type NativeKernelConfig } from './native-kernel.js';

/** softmax(x) over the last axis (the only axis tfjs's Softmax kernel takes), one pass per row. */
export const softmaxKernel: NativeKernelConfig = {
  kernelName: tf.Softmax,
  kernelFunc: ({ inputs, backend, attrs, fallback }) => {
    const logits = input(inputs, 'logits');
    const values = backend.floats(logits);
    const rank = logits.shape.length;
    const dim = Number((attrs as unknown as tf.SoftmaxAttrs).dim);
    if (values === null || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback();
    const cols = logits.shape[rank - 1]!;
    if (cols === 0) return fallback();
    const rows = tf.util.sizeFromShape(logits.shape) / cols;
    return backend.output(logits.shape, backend.addon.softmax(values, { rows, cols }));
  },
};
