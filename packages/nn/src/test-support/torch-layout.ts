import * as tf from '@tensorflow/tfjs-core';

/**
 * A local PyTorch → ssdet layout conversion for golden tests (the public importer lives in
 * `weights/`): conv kernels OIHW → HWIO, Linear `[out, in]` → `[in, out]`, 1-D and scalars as they are.
 */
export function torchToSsdetLayout(values: Float32Array, torchShape: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(values, [...torchShape], 'float32');
    if (torchShape.length === 4) return tf.transpose(t, [2, 3, 1, 0]);
    if (torchShape.length === 2) return tf.transpose(t, [1, 0]);
    return t;
  });
}

/** The ssdet shape of a tensor whose PyTorch shape is `torchShape`. */
export function ssdetShapeOf(torchShape: readonly number[]): number[] {
  if (torchShape.length === 4) {
    const [o, i, h, w] = torchShape as [number, number, number, number];
    return [h, w, i, o];
  }
  if (torchShape.length === 2) return [torchShape[1]!, torchShape[0]!];
  return [...torchShape];
}

/** NHWC activations → NCHW, to compare with PyTorch outputs. */
export function nhwcToNchw(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]);
}
