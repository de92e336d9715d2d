import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel a backend may provide: inputs `dy`, `y` (the ReLU's output); output `dy · [y > 0]`,
 * NaN where `y` is NaN.
 */
export const RELU_GRAD = 'SsdetReluGrad';

/**
 * The gradient of `Relu` from its *output*: ∂x = dy · [y > 0], the same values as tfjs's
 * `dy · step(x)` (y > 0 exactly where x > 0). Saving y rather than x lets a ReLU's input — in a
 * CNN, every BatchNorm's output — be freed once the ReLU has run, since y is kept anyway as the
 * next layer's input; and a backend with {@link RELU_GRAD} does it in one kernel instead of
 * Step, Cast and Multiply.
 */
export const reluGradientFromOutput: tf.GradConfig = {
  kernelName: tf.Relu,
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [y] = saved as [tf.Tensor];
    const gradient = dy as tf.Tensor;
    return {
      x: () =>
        tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined && gradient.dtype === 'float32'
          ? (tf.engine().runKernel(RELU_GRAD, { dy: gradient, y }) as tf.Tensor)
          : tf.mul(gradient, tf.cast(tf.step(y), 'float32')),
    };
  },
};
