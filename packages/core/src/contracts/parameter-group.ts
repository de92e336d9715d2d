import type { NamedVariables } from './parameters.js';

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
