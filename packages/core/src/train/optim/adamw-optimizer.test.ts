import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tensor/select-backend.js';
import { AdamWOptimizer } from './adamw-optimizer.js';
import { disposeAll, valuesOf, variableOf } from './test-support/variables.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function apply(optimizer: AdamWOptimizer, gradients: Record<string, number[]>, lr: number): void {
  const tensors = new Map(Object.entries(gradients).map(([name, g]) => [name, tf.tensor1d(g)]));
  optimizer.apply(tensors, lr);
  disposeAll(tensors.values());
}

describe('AdamWOptimizer', () => {
  it('decays decoupled, then steps lr·m̂/(√v̂+ε): the first step is lr·sign(g)', () => {
    const w = variableOf([1, -2], [2]);
    const optimizer = new AdamWOptimizer([{ name: 'all', variables: new Map([['w', w]]) }], {
      weightDecay: 0.5,
    });
    // m̂ = g, v̂ = g² after bias correction → w·(1 − 0.1·0.5) − 0.1·g/(|g| + 1e-8).
    apply(optimizer, { w: [0.3, -4] }, 0.1);
    expect(valuesOf(w)[0]).toBeCloseTo(1 * 0.95 - 0.1, 6);
    expect(valuesOf(w)[1]).toBeCloseTo(-2 * 0.95 + 0.1, 6);
    expect(valuesOf(optimizer.state().get('step/w')!)).toEqual([1]);
    expect(valuesOf(optimizer.state().get('exp_avg/w')!)[1]).toBeCloseTo(-0.4, 6);
    expect(valuesOf(optimizer.state().get('exp_avg_sq/w')!)[1]).toBeCloseTo(0.016, 7);
    optimizer.dispose();
    w.dispose();
  });

  it('bias-corrects the second step (hand-computed) and puts ε outside the square root', () => {
    const w = variableOf([0], [1]);
    const optimizer = new AdamWOptimizer([{ name: 'all', variables: new Map([['w', w]]) }], {
      betas: [0.5, 0.75],
      eps: 0.1,
      weightDecay: 0,
    });
    apply(optimizer, { w: [1] }, 1); // m̂ = 1, v̂ = 1 → −1/(1 + 0.1)
    expect(valuesOf(w)[0]).toBeCloseTo(-1 / 1.1, 6);
    apply(optimizer, { w: [3] }, 1);
    // m = 0.5·0.5 + 0.5·3 = 1.75, m̂ = 1.75/0.75; v = 0.75·0.25 + 0.25·9 = 2.4375, v̂ = v/0.4375.
    const mHat = 1.75 / 0.75;
    const vHat = 2.4375 / (1 - 0.75 ** 2);
    expect(valuesOf(w)[0]).toBeCloseTo(-1 / 1.1 - mHat / (Math.sqrt(vHat) + 0.1), 5);
    optimizer.dispose();
    w.dispose();
  });

  it('counts steps per variable: one that first trains at step 3 gets a first-step update', () => {
    const early = variableOf([0], [1]);
    const late = variableOf([0], [1]);
    const optimizer = new AdamWOptimizer(
      [
        {
          name: 'all',
          variables: new Map([
            ['early', early],
            ['late', late],
          ]),
        },
      ],
      { weightDecay: 0 },
    );
    apply(optimizer, { early: [1] }, 0.1);
    apply(optimizer, { early: [1] }, 0.1);
    expect(valuesOf(late)).toEqual([0]);
    apply(optimizer, { early: [1], late: [5] }, 0.1);
    expect(valuesOf(optimizer.state().get('step/early')!)).toEqual([3]);
    expect(valuesOf(optimizer.state().get('step/late')!)).toEqual([1]);
    expect(valuesOf(late)[0]).toBeCloseTo(-0.1, 6);
    optimizer.dispose();
    disposeAll([early, late]);
  });

  it('has torch.optim.AdamW’s defaults', () => {
    const optimizer = new AdamWOptimizer([]);
    expect(optimizer.options).toEqual({
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.01,
      amsgrad: false,
    });
    expect(() => new AdamWOptimizer([], { amsgrad: true as false })).toThrow(/amsgrad/);
    optimizer.dispose();
  });
});
