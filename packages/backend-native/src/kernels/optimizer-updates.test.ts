import { createOptimizer, selectBackend, type OptimizerConfig } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';

const CASES: readonly [string, OptimizerConfig, 'sgdUpdate' | 'larsUpdate' | 'adamwUpdate'][] = [
  [
    'SGD, momentum and weight decay',
    { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 1e-4 },
    'sgdUpdate',
  ],
  [
    'SGD, Nesterov',
    { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0 },
    'sgdUpdate',
  ],
  [
    'LARS (adapted matrices, plain biases)',
    { type: 'lars', lr: 0.5, momentum: 0.9, weightDecay: 1e-5, trustCoefficient: 0.001, eps: 1e-8 },
    'larsUpdate',
  ],
  [
    'AdamW',
    { type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, amsgrad: false },
    'adamwUpdate',
  ],
];

describe(`native fused optimizer updates${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  for (const [name, config, addonFunction] of CASES) {
    it.skipIf(!nativeBuilt)(`${name}: 3 steps equal the tfjs-op updates on cpu`, () => {
      expectBackendsAgree(() => {
        const variables = new Map([
          ['weight', tf.variable(randomTensor([6, 5], 1))],
          ['bias', tf.variable(randomTensor([5], 2))],
          ['zero', tf.variable(tf.zeros([3]))],
        ]);
        const optimizer = createOptimizer(config, [{ name: 'all', variables }]);
        for (let step = 0; step < 3; step++) {
          const gradients = new Map(
            [...variables].map(([key, v], i) => [key, randomTensor(v.shape, 10 * step + i)]),
          );
          optimizer.apply(gradients, config.lr * (1 - step / 10));
          tf.dispose([...gradients.values()]);
        }
        return [...variables.values(), ...optimizer.state().values()].map((t) => tf.clone(t));
      }, [addonFunction]);
    });
  }
});
