import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The `[outSize, inSize]` matrix of 1-D bilinear resampling with PyTorch's
 * `F.interpolate(mode='bilinear', align_corners=False)` semantics: output sample `o` reads the input
 * at `s = max(0, (o + ½)·inSize/outSize − ½)`, blending `⌊s⌋` and `min(⌊s⌋ + 1, inSize − 1)` by the
 * fractional part. Each row sums to 1.
 */
export function bilinearResizeMatrix(inSize: number, outSize: number): Float32Array {
  for (const [field, value] of [
    ['inSize', inSize],
    ['outSize', outSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `bilinearResizeMatrix: ${field} must be a positive integer; got ${value}.`,
      );
    }
  }
  const matrix = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const source = Math.max(0, (o + 0.5) * scale - 0.5);
    const low = Math.min(Math.floor(source), inSize - 1);
    const high = Math.min(low + 1, inSize - 1);
    const fraction = source - low;
    matrix[o * inSize + low] = matrix[o * inSize + low]! + 1 - fraction;
    matrix[o * inSize + high] = matrix[o * inSize + high]! + fraction;
  }
  return matrix;
}

/**
 * Bilinear upsampling (or downsampling without antialiasing) of NHWC maps to `height × width`,
 * PyTorch's `F.interpolate(x, size, mode='bilinear', align_corners=False)`. Written as two
 * matrix products with {@link bilinearResizeMatrix} (rows, then columns), so the gradient is two
 * matrix products as well and every backend that multiplies matrices can train through it.
 *
 * @param x `[B, h, w, C]`.
 * @returns `[B, height, width, C]`.
 */
export function upsampleBilinear(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (x.rank !== 4) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `upsampleBilinear expects NHWC maps [B, h, w, C]; got [${x.shape.join(', ')}].`,
    );
  }
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    const rows = tf.tensor2d(bilinearResizeMatrix(h, height), [height, h]);
    const columns = tf.tensor2d(bilinearResizeMatrix(w, width), [width, w]);
    // [h, B·w·C] → [height, B·w·C]
    const alongRows = tf.matMul(rows, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, b * w * c]));
    // [height, B, w, C] → [w, B·height·C] → [width, B·height·C]
    const byColumn = tf.reshape(
      tf.transpose(tf.reshape(alongRows, [height, b, w, c]), [2, 1, 0, 3]),
      [w, b * height * c],
    );
    const alongColumns = tf.reshape(tf.matMul(columns, byColumn), [width, b, height, c]);
    return tf.transpose(alongColumns, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
