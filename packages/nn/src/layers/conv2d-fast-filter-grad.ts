import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.conv2d(x, w, stride, 'valid')` whose filter gradient is computed by a *forward* convolution
 * instead of the `Conv2DBackpropFilter` kernel:
 *
 * `∂L/∂w[u,v,c,o] = Σ_{b,i,j} x[b, s·i+u, s·j+v, c] · dy[b,i,j,o]`
 *
 * is a stride-1 convolution, dilated by `s`, of `x` viewed as `[C, H, W, B]` (channels as the
 * batch, the batch as channels) with `dy` viewed as the filter `[H', W', B, O]`; its top-left
 * `k × k` window, transposed to `[k, k, C, O]`, is the gradient. tfjs-backend-cpu's
 * `Conv2DBackpropFilter` is a scalar loop several times slower than its `Conv2D` (measured: 3×3,
 * 8×56×56×64 → 64: about 5×), and tfjs-backend-wasm has none at all. The input gradient stays
 * `Conv2DBackpropInput` (`tf.conv2dTranspose`).
 */
export function conv2dWithFastFilterGrad(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: number,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, kernel, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([input, kernel]);
    return {
      value: tf.conv2d(input, kernel, stride, 'valid'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const dx = tf.conv2dTranspose(dy4, ws, xs.shape, stride, 'valid');
        return [dx, filterGradient(xs, dy4, ws.shape, stride)];
      },
    };
  });
  return op(x, filter) as tf.Tensor4D;
}

function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  stride: number,
): tf.Tensor4D {
  const [kh, kw] = filterShape;
  return tf.tidy(() => {
    const channelsAsBatch = tf.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const full = tf.conv2d(channelsAsBatch, dyAsFilter, 1, 'valid', 'NHWC', stride);
    const window =
      full.shape[1] === kh && full.shape[2] === kw
        ? full
        : tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(window, [1, 2, 0, 3]);
  });
}
