import type * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tensor/select-backend.js';
import { AdamWOptimizer } from './adamw-optimizer.js';
import { LarsOptimizer } from './lars-optimizer.js';
import type { Optimizer } from './optimizer.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';
import { SgdOptimizer } from './sgd-optimizer.js';
import { loadOptimGolden, type OptimGoldenCase } from './test-support/optim-golden.js';
import { disposeAll, gradientsOf, variableOf } from './test-support/variables.js';

/**
 * Agreement with PyTorch 1.13 on tools/reference/fixtures/optim/optim_golden.json: 5 steps of
 * torch.optim.SGD, torch.optim.AdamW and SoCo's LARS on a 2-D weight, a 4-D conv weight, a bias
 * and an all-zero weight, with per-step gradients and learning rates. Both sides compute in
 * float32, so every parameter after every step must match to 1e-6 relative
 * (|ours − torch| ≤ 1e-6·|torch|).
 */
const golden = loadOptimGolden();
const RELATIVE_TOLERANCE = 1e-6;

let variables = new Map<string, tf.Variable>();
let optimizer: Optimizer | undefined;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

afterEach(() => {
  optimizer?.dispose();
  disposeAll(variables.values());
});

function freshVariables(): Map<string, tf.Variable> {
  return new Map(
    Object.entries(golden.shapes).map(([name, shape]) => [
      name,
      variableOf(golden.initial[name]!, shape),
    ]),
  );
}

/** The worst |ours − torch| / |torch| over every parameter and step (0/0 counts as 0). */
function replay(goldenCase: OptimGoldenCase, build: () => Optimizer): number {
  optimizer = build();
  let worst = 0;
  for (let step = 0; step < golden.steps; step += 1) {
    const gradientValues = Object.fromEntries(
      Object.entries(golden.gradients).map(([name, perStep]) => [name, perStep[step]!]),
    );
    const gradients = gradientsOf(variables, gradientValues);
    optimizer.apply(gradients, goldenCase.learningRates[step]!);
    disposeAll(gradients.values());
    for (const [name, variable] of variables) {
      const expected = goldenCase.trajectory[name]![step]!;
      const actual = variable.dataSync();
      expected.forEach((value, index) => {
        const error = Math.abs(actual[index]! - value);
        if (error > 0) worst = Math.max(worst, error / Math.abs(value));
      });
    }
  }
  return worst;
}

function weightsAndBias(bias: Partial<ParameterGroup>): ParameterGroup[] {
  const weights = new Map([...variables].filter(([name]) => name !== 'fc.bias'));
  return [
    { name: 'weights', variables: weights },
    { name: 'bias', variables: new Map([['fc.bias', variables.get('fc.bias')!]]), ...bias },
  ];
}

describe('optimizers against PyTorch (committed fixture)', () => {
  it('fixture was written by torch 1.13 for 5 steps', () => {
    expect(golden.torch).toMatch(/^1\.13/);
    expect(golden.steps).toBe(5);
  });

  it('SgdOptimizer = torch.optim.SGD (momentum 0.9, nesterov, wd 0.01, bias group 2× lr, no wd)', () => {
    variables = freshVariables();
    const sgd = golden.cases.sgd;
    const worst = replay(
      sgd,
      () =>
        new SgdOptimizer(weightsAndBias({ lrMultiplier: 2, weightDecay: 0 }), {
          momentum: sgd.config['momentum'] as number,
          nesterov: sgd.config['nesterov'] as boolean,
          weightDecay: sgd.config['weight_decay'] as number,
        }),
    );
    expect(worst).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  });

  it('AdamWOptimizer = torch.optim.AdamW (wd 0.05, bias group without wd)', () => {
    variables = freshVariables();
    const adamw = golden.cases.adamw;
    const worst = replay(
      adamw,
      () =>
        new AdamWOptimizer(weightsAndBias({ weightDecay: 0 }), {
          betas: adamw.config['betas'] as [number, number],
          eps: adamw.config['eps'] as number,
          weightDecay: adamw.config['weight_decay'] as number,
        }),
    );
    expect(worst).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  });

  it('LarsOptimizer = SoCo’s LARS (1-D excluded by default, zero-norm guard, lr up to 3.2)', () => {
    variables = freshVariables();
    const lars = golden.cases.lars;
    const worst = replay(
      lars,
      () =>
        new LarsOptimizer([{ name: 'all', variables }], {
          momentum: lars.config['momentum'] as number,
          weightDecay: lars.config['weight_decay'] as number,
          trustCoefficient: lars.config['trust_coefficient'] as number,
          eps: lars.config['eps'] as number,
        }),
    );
    expect(worst).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  });
});
