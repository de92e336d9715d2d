import type * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '../../errors/ssdet-error.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';

/** One optimised variable with the group that sets its hyper-parameters. */
export interface OptimizerParameter {
  /** The variable's name in its group's map; gradients and slots are keyed by it. */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly group: ParameterGroup;
}

/**
 * Flattens parameter groups into one map by variable name, checking what every optimizer relies
 * on: names are unique across groups, multipliers and weight decays are finite and ≥ 0.
 *
 * @param optimizer the optimizer's name, for the error message.
 */
export function indexParameters(
  groups: readonly ParameterGroup[],
  optimizer: string,
): ReadonlyMap<string, OptimizerParameter> {
  const parameters = new Map<string, OptimizerParameter>();
  for (const group of groups) {
    checkNonNegative(group.lrMultiplier, 'lrMultiplier', group, optimizer);
    checkNonNegative(group.weightDecay, 'weightDecay', group, optimizer);
    for (const [name, variable] of group.variables) {
      const earlier = parameters.get(name);
      if (earlier !== undefined) {
        throw new SsdetError(
          'OPTIMIZER_GROUPS',
          `${optimizer}: variable "${name}" is in parameter groups "${earlier.group.name}" and "${group.name}"; each variable must be in exactly one group.`,
          { hint: 'Split the variables so that every name appears in one group only.' },
        );
      }
      parameters.set(name, { name, variable, group });
    }
  }
  return parameters;
}

/**
 * Pairs each gradient with its parameter. A gradient for a variable that is in no group, or
 * whose shape differs from the variable's, is a bug in the caller and throws rather than being
 * silently dropped.
 */
export function pairGradients(
  parameters: ReadonlyMap<string, OptimizerParameter>,
  gradients: ReadonlyMap<string, tf.Tensor>,
  optimizer: string,
): Array<readonly [OptimizerParameter, tf.Tensor]> {
  const pairs: Array<readonly [OptimizerParameter, tf.Tensor]> = [];
  for (const [name, gradient] of gradients) {
    const parameter = parameters.get(name);
    if (parameter === undefined) {
      throw new SsdetError(
        'OPTIMIZER_GRADIENT',
        `${optimizer}: got a gradient for "${name}", which is in none of the optimizer's parameter groups.`,
        { hint: 'Frozen variables must not receive gradients; trainable ones must be in a group.' },
      );
    }
    const expected = parameter.variable.shape;
    if (!sameShape(expected, gradient.shape)) {
      throw new SsdetError(
        'OPTIMIZER_GRADIENT',
        `${optimizer}: the gradient for "${name}" has shape [${gradient.shape.join(', ')}]; the variable has shape [${expected.join(', ')}].`,
      );
    }
    pairs.push([parameter, gradient]);
  }
  return pairs;
}

/** Rejects a scheduled learning rate that is negative or not finite. */
export function checkLearningRate(learningRate: number, optimizer: string): void {
  if (!Number.isFinite(learningRate) || learningRate < 0) {
    throw new SsdetError(
      'OPTIMIZER_LEARNING_RATE',
      `${optimizer}: the learning rate must be a finite number ≥ 0; got ${learningRate}.`,
    );
  }
}

function checkNonNegative(
  value: number | undefined,
  field: string,
  group: ParameterGroup,
  optimizer: string,
): void {
  if (value === undefined || (Number.isFinite(value) && value >= 0)) return;
  throw new SsdetError(
    'OPTIMIZER_GROUPS',
    `${optimizer}: parameter group "${group.name}" has ${field} ${value}; expected a finite number ≥ 0.`,
  );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}
