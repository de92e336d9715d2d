import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';

/** Collects children's variables under `prefix.` names, PyTorch `state_dict` style. */
export function collectVariables(
  children: ReadonlyArray<readonly [string, HasVariables | tf.Variable]>,
): NamedVariables {
  const all = new Map<string, tf.Variable>();
  for (const [name, child] of children) {
    if (child instanceof tf.Variable) {
      all.set(name, child);
      continue;
    }
    for (const [childName, variable] of child.variables())
      all.set(`${name}.${childName}`, variable);
  }
  return all;
}

/** Disposes every variable a component owns. */
export function disposeVariables(owner: HasVariables): void {
  for (const variable of owner.variables().values()) variable.dispose();
}

/** A trainable variable with a tfjs-chosen (process-unique) name. */
export function newVariable(values: Float32Array, shape: number[], trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
}
