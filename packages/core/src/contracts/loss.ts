import type { Scalar } from '@tensorflow/tfjs-core';

/**
 * A method's loss for one step: the scalar the optimizer differentiates, and each weighted term
 * by name for logging (e.g. `{ global: …, dense: … }` for DenseCL).
 */
// A type alias, not an interface, so that it is a tfjs TensorContainer: `tf.tidy(() => output)`.
export type LossOutput = {
  readonly total: Scalar;
  readonly terms: Readonly<Record<string, Scalar>>;
};

/**
 * One loss of a paper, one file each in a plugin's `losses/`: a pure function of tensors whose
 * doc comment gives the formula in the paper's notation. `name` is its term in the metrics and
 * `weight` the paper's coefficient (from the config); {@link combineLosses} turns a method's
 * evaluated losses into its {@link LossOutput}.
 */
export interface Loss<Inputs> {
  readonly name: string;
  readonly weight: number;
  /** The unweighted loss. */
  compute(inputs: Inputs): Scalar;
}
