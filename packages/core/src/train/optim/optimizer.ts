import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariables } from '../../contracts/parameters.js';

/**
 * Variables that share hyper-parameters. A method splits its trainable variables into groups
 * when, for example, a head learns 10× faster or biases and norms are kept out of LARS.
 */
export interface ParameterGroup {
  readonly name: string;
  readonly variables: NamedVariables;
  /** Multiplies the scheduled learning rate for this group. Default 1. */
  readonly lrMultiplier?: number;
  /** Overrides the optimizer's weight decay for this group. */
  readonly weightDecay?: number;
  /**
   * LARS only: whether this group gets the layer-wise trust ratio and weight decay. Default:
   * decided per variable — excluded when it has ≤ 1 dimension (biases and norm parameters),
   * as in BYOL, SimCLR and SoCo.
   */
  readonly larsAdaptation?: boolean;
}

/**
 * Applies one update. Implementations keep their slots (momentum buffers, Adam moments, step
 * counts) as tf Variables so that checkpoints hold them and a resumed run continues exactly.
 */
export interface Optimizer {
  /**
   * Updates every variable of every group that has a gradient in `gradients` (keyed by the
   * variable's name in its group's map) at the scheduled `learningRate` (before multipliers).
   * Does not dispose the gradients.
   */
  apply(gradients: ReadonlyMap<string, tf.Tensor>, learningRate: number): void;
  /** Slot variables by name (`<slot>/<variable name>`), for checkpoints. */
  state(): NamedVariables;
  /** Frees the slot variables. */
  dispose(): void;
}
