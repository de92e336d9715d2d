import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels a backend may provide to apply one optimizer (or momentum) update per variable in a single call
 * (`@ssdet/backend-native` does), instead of the handful of element-wise kernels each update
 * costs as tfjs ops — hundreds of calls per step for a ResNet. Each takes the variable, its
 * gradient and its slots as inputs, the hyper-parameters as attributes, and returns the new
 * values in input order; the optimizer assigns them. The formulas are the optimizers' own
 * ({@link SgdOptimizer}, {@link LarsOptimizer}, {@link AdamWOptimizer}).
 *
 * - `SsdetSgdUpdate`: inputs `variable`, `gradient`, `buffer`; attrs `lr`, `momentum`,
 *   `weightDecay`, `nesterov`; outputs `[variable, buffer]` (momentum > 0, no dampening).
 * - `SsdetLarsUpdate`: inputs `variable`, `gradient`, `buffer`; attrs `lr`, `momentum`,
 *   `weightDecay`, `trustCoefficient`, `eps`, `adapted`; outputs `[variable, buffer]`.
 * - `SsdetAdamWUpdate`: inputs `variable`, `gradient`, `expAvg`, `expAvgSq`, `step`; attrs `lr`,
 *   `beta1`, `beta2`, `eps`, `weightDecay`; outputs `[variable, expAvg, expAvgSq, step]`.
 * - `SsdetEmaUpdate`: inputs `target`, `online`; attr `momentum` (m); output `[target]`, equal to
 *   `add(mul(target, m), mul(online, 1 − m))` (@ssdet/nn's `momentumUpdate`).
 *
 * A backend may write the new values into the variable's and slots' own arrays when nothing else
 * references them (then it returns tensors on the same data); a tensor that shares a variable's
 * data (`tf.clone(variable)`) must keep its values, so such an update allocates instead.
 */
export const SGD_UPDATE = 'SsdetSgdUpdate';
export const LARS_UPDATE = 'SsdetLarsUpdate';
export const ADAMW_UPDATE = 'SsdetAdamWUpdate';
export const EMA_UPDATE = 'SsdetEmaUpdate';

/** Whether the active backend has `kernelName` for float32 `variable`s. */
export function hasFusedUpdate(kernelName: string, variable: tf.Variable): boolean {
  return variable.dtype === 'float32' && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Runs fused update `kernelName` and assigns its outputs to `targets` (same order): the variable
 * first, then its slots. Outside any tape, as optimizer updates are.
 */
export function applyFusedUpdate(
  kernelName: string,
  inputs: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap,
  targets: readonly tf.Variable[],
): void {
  const outputs = tf.engine().runKernel(kernelName, inputs, attrs) as tf.Tensor[];
  targets.forEach((target, i) => target.assign(outputs[i]!));
  tf.dispose(outputs);
}
