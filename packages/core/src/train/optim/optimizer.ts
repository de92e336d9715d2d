import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariables } from '../../contracts/parameters.js';

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
