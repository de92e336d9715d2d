import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tensor/select-backend.js';
import { AdamWOptimizer } from './adamw-optimizer.js';
import { createOptimizer } from './create-optimizer.js';
import { LarsOptimizer } from './lars-optimizer.js';
import { SgdOptimizer } from './sgd-optimizer.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('createOptimizer', () => {
  it('builds the optimizer the config names, with the config’s hyper-parameters', () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const groups = [{ name: 'all', variables: new Map([['w', w]]) }];
    const sgd = createOptimizer(
      { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-4 },
      groups,
    );
    expect(sgd).toBeInstanceOf(SgdOptimizer);
    expect((sgd as SgdOptimizer).options).toEqual({
      momentum: 0.9,
      dampening: 0,
      nesterov: true,
      weightDecay: 1e-4,
    });
    const lars = createOptimizer(
      { type: 'lars', lr: 1, momentum: 0.9, weightDecay: 1e-6, trustCoefficient: 0.02, eps: 0 },
      groups,
    );
    expect(lars).toBeInstanceOf(LarsOptimizer);
    expect((lars as LarsOptimizer).options.trustCoefficient).toBe(0.02);
    const adamw = createOptimizer(
      { type: 'adamw', lr: 1e-4, betas: [0.9, 0.95], eps: 1e-6, weightDecay: 0.05, amsgrad: false },
      groups,
    );
    expect(adamw).toBeInstanceOf(AdamWOptimizer);
    expect((adamw as AdamWOptimizer).options.betas).toEqual([0.9, 0.95]);
    expect([...adamw.state().keys()].sort()).toEqual(['exp_avg/w', 'exp_avg_sq/w', 'step/w']);
    for (const optimizer of [sgd, lars, adamw]) optimizer.dispose();
    w.dispose();
  });
});
