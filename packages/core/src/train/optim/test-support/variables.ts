import * as tf from '@tensorflow/tfjs-core';

/** A float32 variable (auto-named) holding `values` in `shape`. */
export function variableOf(values: readonly number[], shape: readonly number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values as number[], [...shape], 'float32')));
}

/** The values of a tensor as a plain array. */
export function valuesOf(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}

/** Gradients by name from plain arrays, shaped like the named variables. */
export function gradientsOf(
  variables: ReadonlyMap<string, tf.Variable>,
  values: Readonly<Record<string, readonly number[]>>,
): Map<string, tf.Tensor> {
  const gradients = new Map<string, tf.Tensor>();
  for (const [name, list] of Object.entries(values)) {
    const variable = variables.get(name);
    if (variable === undefined) throw new Error(`no variable ${name}`);
    gradients.set(name, tf.tensor(list as number[], variable.shape, 'float32'));
  }
  return gradients;
}

export function disposeAll(tensors: Iterable<tf.Tensor>): void {
  for (const tensor of tensors) tensor.dispose();
}
