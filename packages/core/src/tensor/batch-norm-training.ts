import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '../errors/ssdet-error.js';

/**
 * Kernel a backend may provide (e.g. `@ssdet/backend-native`): inputs `x`, `scale` (γ), `offset`
 * (β); attr `epsilon`; outputs `[y, mean, variance]`.
 */
export const BATCH_NORM_TRAINING = 'SsdetBatchNormTraining';
/** Its gradient kernel: inputs `dy`, `x`, `scale`, `mean`, `variance`; attr `epsilon`; outputs `[dx, dscale, doffset]`. */
export const BATCH_NORM_TRAINING_GRAD = 'SsdetBatchNormTrainingGrad';

/**
 * The gradient of {@link BATCH_NORM_TRAINING} with respect to x, γ and β, through `y` only: the
 * `mean` and `variance` outputs feed running statistics, and gradients arriving at them are
 * ignored.
 */
const batchNormTrainingGradient: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dyOfY = Array.isArray(dy) ? dy[0]! : dy;
    const [dx, dscale, doffset] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAINING_GRAD, { dy: dyOfY, x, scale, mean, variance }, attrs) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  },
};
if (tf.getGradient(BATCH_NORM_TRAINING) === undefined)
  tf.registerGradient(batchNormTrainingGradient);

export interface BatchNormTrainingResult<T extends tf.Tensor> {
  /** `γ·(x − μ)/√(σ² + ε) + β`, the shape of `x`. */
  readonly y: T;
  /** μ, the batch mean per channel, `[C]`. */
  readonly mean: tf.Tensor1D;
  /** σ², the *biased* batch variance per channel, `[C]` (PyTorch's running_var uses the unbiased one: × m/(m − 1)). */
  readonly variance: tf.Tensor1D;
}

/**
 * Training-mode batch normalisation over every axis but the last (channels-last input of rank
 * ≥ 2: NHWC maps or `[N, C]` features):
 *
 * `y = γ·(x − μ)/√(σ² + ε) + β`, with μ and σ² the mean and biased variance over the other axes.
 *
 * Ioffe & Szegedy, "Batch Normalization", ICML 2015; `torch.nn.functional.batch_norm(training=True)`.
 *
 * A backend that registers the kernels {@link BATCH_NORM_TRAINING} and
 * {@link BATCH_NORM_TRAINING_GRAD} (`native`: one oneDNN primitive each) runs forward and backward
 * as one kernel each instead of the dozen element-wise ops and reductions — and their autodiff —
 * that the formula costs otherwise. On any other backend the same formula runs as tfjs ops, so
 * callers need no branch. Gradients flow to `x`, `scale` and `offset` through `y`; with the fused
 * kernels, gradients arriving at the returned `mean` and `variance` are ignored (they are meant
 * for running statistics).
 */
export function batchNormTraining<T extends tf.Tensor>(
  x: T,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon = 1e-5,
): BatchNormTrainingResult<T> {
  if (x.rank < 2 || scale.size !== x.shape[x.rank - 1] || offset.size !== scale.size) {
    throw new SsdetError(
      'TENSOR_BAD_INPUT',
      `batchNormTraining expects x of rank ≥ 2 with C channels last and scale/offset of size C; got x [${x.shape.join(', ')}], scale [${scale.shape.join(', ')}], offset [${offset.shape.join(', ')}].`,
    );
  }
  if (tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined) {
    const [y, mean, variance] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon }) as [
      T,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    return { y, mean, variance };
  }
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const mean = tf.mean(x, axes) as tf.Tensor1D;
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), axes) as tf.Tensor1D;
    const y = tf.add(
      tf.mul(centred, tf.mul(tf.rsqrt(tf.add(variance, epsilon)), scale)),
      offset,
    ) as T;
    return { y, mean, variance };
  });
}
