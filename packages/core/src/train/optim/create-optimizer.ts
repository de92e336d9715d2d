import { AdamWOptimizer } from './adamw-optimizer.js';
import { LarsOptimizer } from './lars-optimizer.js';
import type { Optimizer } from './optimizer.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';
import type { OptimizerConfig } from './optimizer-config.js';
import { SgdOptimizer } from './sgd-optimizer.js';

/**
 * The optimizer a parsed `optimizer` config section describes, over `groups`. The config's `lr`
 * is not used here: it is the schedule's base learning rate, and `apply` receives the scheduled
 * value at every step.
 */
export function createOptimizer(
  config: OptimizerConfig,
  groups: readonly ParameterGroup[],
): Optimizer {
  switch (config.type) {
    case 'sgd': {
      const { type: _type, lr: _lr, ...options } = config;
      return new SgdOptimizer(groups, options);
    }
    case 'lars': {
      const { type: _type, lr: _lr, ...options } = config;
      return new LarsOptimizer(groups, options);
    }
    case 'adamw': {
      const { type: _type, lr: _lr, ...options } = config;
      return new AdamWOptimizer(groups, options);
    }
  }
}
