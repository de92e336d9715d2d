import type { Scalar } from '@tensorflow/tfjs-core';

/**
 * A method's loss for one step: the scalar the optimizer differentiates, and each weighted term
 * by name for logging (e.g. `{ global: …, dense: … }` for DenseCL).
 */
export interface LossOutput {
  readonly total: Scalar;
  readonly terms: Readonly<Record<string, Scalar>>;
}

/**
 * One loss of a paper as a named pure function of tensors. Implementations document the
 * formula in the paper's notation and cite it; `weight` is the paper's coefficient.
 */
export interface Loss<Inputs> {
  readonly name: string;
  readonly weight: number;
  compute(inputs: Inputs): Scalar;
}
