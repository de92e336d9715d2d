import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '../errors/ssdet-error.js';

/**
 * Kernel a backend may provide (`@ssdet/backend-native` does): inputs `x` (float32, features
 * last), `gamma`, `beta` (`[C]`); attr `epsilon`; outputs `[y, mean, rstd]`, `y` shaped as `x`
 * and the per-row statistics shaped as `x` without its last axis: μ, and 1/√(σ² + ε) with σ² the
 * biased variance.
 */
export const LAYER_NORM = 'SsdetLayerNorm';
/**
 * Its gradient kernel: inputs `dy`, `x`, `gamma`, `mean`, `rstd`; attr `epsilon`; outputs
 * `[dx, dgamma, dbeta]`: with x̂ = (x − μ)·rstd and g = dy·γ per row,
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
 */
export const LAYER_NORM_GRAD = 'SsdetLayerNormGrad';

/** The gradient of {@link LAYER_NORM} through `y`; `mean` and `rstd` are statistics, not outputs to train. */
const layerNormGradient: tf.GradConfig = {
  kernelName: LAYER_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, mean, rstd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dyOfY = Array.isArray(dy) ? dy[0]! : dy;
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(LAYER_NORM_GRAD, { dy: dyOfY, x, gamma, mean, rstd }, attrs) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};
if (tf.getGradient(LAYER_NORM) === undefined) tf.registerGradient(layerNormGradient);

/**
 * Layer normalisation over the last axis, `torch.nn.functional.layer_norm`:
 *
 *   y = (x − E[x]) / √(Var[x] + ε) · γ + β, with the biased variance, per row.
 *
 * Ba, Kiros & Hinton, "Layer Normalization", 2016. A backend with {@link LAYER_NORM} and
 * {@link LAYER_NORM_GRAD} (`native`) runs forward and backward as one kernel each, in place of
 * the ten element-wise kernels and reductions of the formula and the thirty or so of its autodiff
 * (a DETR transformer has 31 layer norms); elsewhere the formula runs as tfjs ops.
 */
export function layerNorm<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon = 1e-5,
): T {
  if (x.rank < 1 || gamma.size !== x.shape[x.rank - 1] || beta.size !== gamma.size) {
    throw new SsdetError(
      'TENSOR_BAD_INPUT',
      `layerNorm expects x with C features last and gamma/beta of size C; got x [${x.shape.join(', ')}], gamma [${gamma.shape.join(', ')}], beta [${beta.shape.join(', ')}].`,
    );
  }
  if (x.dtype === 'float32' && tf.getKernel(LAYER_NORM, tf.getBackend()) !== undefined) {
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { epsilon }) as [
      T,
      tf.Tensor,
      tf.Tensor,
    ];
    tf.dispose([mean, rstd]);
    return y;
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true);
    const normalised = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normalised, gamma), beta) as T;
  });
}
