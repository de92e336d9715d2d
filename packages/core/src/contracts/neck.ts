import type { FeatureLevel, FeatureMaps } from './backbone.js';
import type { ForwardOptions, HasVariables } from './parameters.js';

/** Between backbone and heads: an FPN (SoCo, DETReg's multi-scale input) or an input projection. */
export interface Neck extends HasVariables {
  readonly levels: readonly FeatureLevel[];
  forward(features: FeatureMaps, options: ForwardOptions): FeatureMaps;
}
