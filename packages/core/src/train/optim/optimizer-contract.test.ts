import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tensor/select-backend.js';
import { createOptimizer } from './create-optimizer.js';
import type { Optimizer } from './optimizer.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';
import type { OptimizerConfig } from './optimizer-config.js';
import { disposeAll, valuesOf } from './test-support/variables.js';

/**
 * What the trainer and checkpoints rely on, for every optimizer: slots are non-trainable tf
 * Variables named `<slot>/<variable>`, 20 steps leak no tensor, a variable without a gradient
 * (and its slots) stays exactly as it was, and restoring the slots into a fresh optimizer
 * continues bit-for-bit.
 */
const CONFIGS: readonly OptimizerConfig[] = [
  { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-4 },
  { type: 'lars', lr: 0.1, momentum: 0.9, weightDecay: 1e-4, trustCoefficient: 0.001, eps: 1e-8 },
  { type: 'adamw', lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false },
];

let owned: tf.Variable[] = [];
let optimizers: Optimizer[] = [];

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

afterEach(() => {
  for (const optimizer of optimizers) optimizer.dispose();
  disposeAll(owned);
  owned = [];
  optimizers = [];
});

function model(seed: number): Map<string, tf.Variable> {
  const variables = new Map<string, tf.Variable>([
    ['conv.weight', tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.5, 'float32', seed))],
    ['fc.weight', tf.variable(tf.randomNormal([4, 3], 0, 0.5, 'float32', seed + 1))],
    ['fc.bias', tf.variable(tf.randomNormal([3], 0, 0.5, 'float32', seed + 2))],
    ['frozen.weight', tf.variable(tf.randomNormal([2, 2], 0, 0.5, 'float32', seed + 3))],
  ]);
  owned.push(...variables.values());
  return variables;
}

function build(config: OptimizerConfig, variables: ReadonlyMap<string, tf.Variable>): Optimizer {
  const groups: ParameterGroup[] = [{ name: 'all', variables }];
  const optimizer = createOptimizer(config, groups);
  optimizers.push(optimizer);
  return optimizer;
}

/** Gradients for every variable but `frozen.weight`, different at every step. */
function gradientsAt(
  variables: ReadonlyMap<string, tf.Variable>,
  step: number,
): Map<string, tf.Tensor> {
  const gradients = new Map<string, tf.Tensor>();
  for (const [name, variable] of variables) {
    if (name === 'frozen.weight') continue;
    gradients.set(name, tf.randomNormal(variable.shape, 0, 0.1, 'float32', 1000 + step));
  }
  return gradients;
}

function run(
  optimizer: Optimizer,
  variables: ReadonlyMap<string, tf.Variable>,
  from: number,
  to: number,
): void {
  for (let step = from; step < to; step += 1) {
    const gradients = gradientsAt(variables, step);
    optimizer.apply(gradients, 0.1 * (1 - step / 40));
    disposeAll(gradients.values());
  }
}

describe.each(CONFIGS)('$type optimizer contract', (config) => {
  it('keeps its slots as non-trainable Variables named <slot>/<variable>', () => {
    const variables = model(1);
    const state = build(config, variables).state();
    expect(state.size).toBeGreaterThan(0);
    for (const [key, slot] of state) {
      expect(slot).toBeInstanceOf(tf.Variable);
      expect(slot.trainable).toBe(false);
      expect(variables.has(key.slice(key.indexOf('/') + 1))).toBe(true);
    }
  });

  it('leaks no tensor over 20 steps, and frees its slots on dispose', () => {
    const variables = model(2);
    const before = tf.memory().numTensors;
    const optimizer = build(config, variables);
    const slots = optimizer.state().size;
    run(optimizer, variables, 0, 20);
    expect(tf.memory().numTensors).toBe(before + slots);
    optimizer.dispose();
    optimizers = [];
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves a variable without a gradient, and its slots, untouched', () => {
    const variables = model(3);
    const frozen = valuesOf(variables.get('frozen.weight')!);
    const fcBefore = valuesOf(variables.get('fc.weight')!);
    const optimizer = build(config, variables);
    run(optimizer, variables, 0, 5);
    expect(valuesOf(variables.get('frozen.weight')!)).toEqual(frozen);
    expect(valuesOf(variables.get('fc.weight')!)).not.toEqual(fcBefore);
    for (const [key, slot] of optimizer.state()) {
      if (key.endsWith('/frozen.weight')) expect(valuesOf(slot).every((v) => v === 0)).toBe(true);
    }
  });

  it('continues bit-for-bit after its slots are restored into a fresh optimizer', () => {
    const straight = model(4);
    const straightOptimizer = build(config, straight);
    run(straightOptimizer, straight, 0, 6);

    const resumed = model(4);
    const first = build(config, resumed);
    run(first, resumed, 0, 3);
    const saved = new Map([...first.state()].map(([key, slot]) => [key, slot.clone()]));
    const savedWeights = new Map([...resumed].map(([name, v]) => [name, v.clone()]));
    first.dispose();
    optimizers = optimizers.filter((o) => o !== first);
    const restoredVariables = model(99); // different start, overwritten by the "checkpoint"
    for (const [name, value] of savedWeights) restoredVariables.get(name)!.assign(value);
    const second = build(config, restoredVariables);
    for (const [key, slot] of second.state()) slot.assign(saved.get(key)!);
    disposeAll([...saved.values(), ...savedWeights.values()]);
    run(second, restoredVariables, 3, 6);

    for (const [name, variable] of straight) {
      expect(valuesOf(restoredVariables.get(name)!)).toEqual(valuesOf(variable));
    }
  });
});
