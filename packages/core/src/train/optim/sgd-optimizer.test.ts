import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SsdetError } from '../../errors/ssdet-error.js';
import { selectBackend } from '../../tensor/select-backend.js';
import { SgdOptimizer } from './sgd-optimizer.js';
import { disposeAll, valuesOf, variableOf } from './test-support/variables.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function step(optimizer: SgdOptimizer, gradients: Record<string, number[]>, lr: number): void {
  const tensors = new Map(Object.entries(gradients).map(([name, g]) => [name, tf.tensor1d(g)]));
  optimizer.apply(tensors, lr);
  disposeAll(tensors.values());
}

describe('SgdOptimizer', () => {
  it('follows torch.optim.SGD with weight decay and nesterov momentum (hand-computed)', () => {
    const w = variableOf([1, -2], [2]);
    const optimizer = new SgdOptimizer([{ name: 'all', variables: new Map([['w', w]]) }], {
      momentum: 0.9,
      nesterov: true,
      weightDecay: 0.1,
    });
    // d = g + 0.1·w = [0.6, 0.05]; b = d; d + 0.9·b = [1.14, 0.095]; w − 0.1·that.
    step(optimizer, { w: [0.5, 0.25] }, 0.1);
    expect(valuesOf(w)[0]).toBeCloseTo(0.886, 6);
    expect(valuesOf(w)[1]).toBeCloseTo(-2.0095, 6);
    // d = [0.5886, 0.04905]; b = 0.9·[0.6, 0.05] + d = [1.1286, 0.09405]; d + 0.9·b = [1.60434, 0.133695].
    step(optimizer, { w: [0.5, 0.25] }, 0.1);
    expect(valuesOf(w)[0]).toBeCloseTo(0.725566, 6);
    expect(valuesOf(w)[1]).toBeCloseTo(-2.0228695, 6);
    expect(valuesOf(optimizer.state().get('momentum_buffer/w')!)[0]).toBeCloseTo(1.1286, 6);
    optimizer.dispose();
    w.dispose();
  });

  it('starts the momentum buffer at the undamped gradient, as PyTorch does', () => {
    const w = variableOf([0], [1]);
    const optimizer = new SgdOptimizer([{ name: 'all', variables: new Map([['w', w]]) }], {
      momentum: 0.5,
      dampening: 0.5,
    });
    step(optimizer, { w: [1] }, 1); // b = g = 1 (a damped zero buffer would give 0.5)
    expect(valuesOf(w)).toEqual([-1]);
    step(optimizer, { w: [1] }, 1); // b = 0.5·1 + 0.5·1 = 1
    expect(valuesOf(w)).toEqual([-2]);
    step(optimizer, { w: [3] }, 1); // b = 0.5·1 + 0.5·3 = 2
    expect(valuesOf(w)).toEqual([-4]);
    expect(valuesOf(optimizer.state().get('step/w')!)).toEqual([3]);
    optimizer.dispose();
    w.dispose();
  });

  it('is plain w ← w − lr·g with PyTorch defaults, and keeps no slots', () => {
    const w = variableOf([1, 2], [2]);
    const optimizer = new SgdOptimizer([{ name: 'all', variables: new Map([['w', w]]) }]);
    expect(optimizer.options).toEqual({
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
    step(optimizer, { w: [10, -10] }, 0.5);
    expect(valuesOf(w)).toEqual([-4, 7]);
    expect(optimizer.state().size).toBe(0);
    optimizer.dispose();
    w.dispose();
  });

  it('applies each group’s lrMultiplier and weightDecay override', () => {
    const weight = variableOf([1], [1]);
    const bias = variableOf([1], [1]);
    const optimizer = new SgdOptimizer(
      [
        { name: 'weights', variables: new Map([['weight', weight]]) },
        { name: 'biases', variables: new Map([['bias', bias]]), lrMultiplier: 2, weightDecay: 0 },
      ],
      { weightDecay: 0.5 },
    );
    step(optimizer, { weight: [1], bias: [1] }, 0.1);
    expect(valuesOf(weight)[0]).toBeCloseTo(1 - 0.1 * (1 + 0.5), 7);
    expect(valuesOf(bias)[0]).toBeCloseTo(1 - 0.2 * 1, 7);
    optimizer.dispose();
    disposeAll([weight, bias]);
  });

  it('rejects gradients it cannot place and variables in two groups', () => {
    const w = variableOf([1, 2], [2]);
    const variables = new Map([['w', w]]);
    const optimizer = new SgdOptimizer([{ name: 'all', variables }]);
    expect(() => step(optimizer, { other: [1, 1] }, 0.1)).toThrow(/"other".*none of the/);
    expect(() => step(optimizer, { w: [1, 1, 1] }, 0.1)).toThrow(/shape \[3\].*\[2\]/);
    expect(() => step(optimizer, { w: [1, 1] }, Number.NaN)).toThrow(SsdetError);
    expect(
      () =>
        new SgdOptimizer([
          { name: 'a', variables },
          { name: 'b', variables },
        ]),
    ).toThrow(/groups "a" and "b"/);
    expect(() => new SgdOptimizer([{ name: 'a', variables }], { nesterov: true })).toThrow(
      /nesterov/,
    );
    expect(valuesOf(w)).toEqual([1, 2]);
    optimizer.dispose();
    w.dispose();
  });
});
