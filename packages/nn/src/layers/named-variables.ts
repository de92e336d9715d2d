import { SsdetError, type HasVariables, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Joins the variables of child components under dotted prefixes, the way PyTorch's
 * `state_dict()` names a sub-module's tensors (`layer1.0` + `conv1.weight`). A child may be a
 * component (its variables are named `prefix.name`, or just `name` when the prefix is `''`, as
 * for a module that forwards its only child's names) or a single variable (named `prefix`).
 */
export function collectVariables(
  children: Iterable<readonly [prefix: string, child: HasVariables | tf.Variable]>,
): Map<string, tf.Variable> {
  const all = new Map<string, tf.Variable>();
  for (const [prefix, child] of children) {
    if (child instanceof tf.Variable) {
      if (prefix === '') {
        throw new SsdetError('NN_BAD_OPTION', 'collectVariables: a variable needs a name.');
      }
      all.set(prefix, child);
      continue;
    }
    for (const [name, variable] of child.variables()) {
      all.set(prefix === '' ? name : `${prefix}.${name}`, variable);
    }
  }
  return all;
}

/** Disposes every variable a component owns. */
export function disposeVariables(owner: HasVariables): void {
  for (const variable of owner.variables().values()) variable.dispose();
}

/** The variables an optimizer should update: those with `trainable === true`. */
export function trainableVariables(variables: NamedVariables): Map<string, tf.Variable> {
  return new Map([...variables].filter(([, variable]) => variable.trainable));
}

/**
 * Marks every variable trainable or not. Used to freeze parts of a network: tfjs's
 * `variableGrads` and optimizers skip variables whose `trainable` is false.
 */
export function setTrainable(variables: NamedVariables, trainable: boolean): void {
  for (const variable of variables.values()) variable.trainable = trainable;
}

/**
 * `tf.variable(create(), trainable)` without leaving the initial tensor alive: the variable keeps
 * the data, the temporary handle is disposed.
 */
export function variableFrom<R extends tf.Rank = tf.Rank>(
  create: () => tf.Tensor<R>,
  trainable = true,
): tf.Variable<R> {
  return tf.tidy(() => tf.variable(create(), trainable));
}
