import { Rng, createMethod, resolvePluginConfig, selectBackend, type Batch } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RegressionLoss } from './losses/regression-loss.js';
import type { __Name__Method } from './method.js';
import { plugin } from './plugin.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** The demo's network at 32 pixels, built by the plugin as a run builds it. */
function tinyMethod(seed = 0): __Name__Method {
  const config = resolvePluginConfig(plugin, { preset: 'demo', overrides: { imageSize: 32 } });
  return createMethod(plugin, config, Rng.fromSeed(seed)) as __Name__Method;
}

function randomBatch(size: number, imageSize: number, seed: number): Batch {
  const view = (offset: number) => ({
    images: tf.randomNormal(
      [size, imageSize, imageSize, 3],
      0,
      1,
      'float32',
      seed + offset,
    ) as tf.Tensor4D,
    geometry: [],
  });
  return { size, records: [], views: { view1: view(0), view2: view(1) } };
}

const context = (step: number) => ({
  step,
  epoch: 0,
  totalSteps: 10,
  rng: Rng.fromSeed(1).fork(`step-${step}`),
});

describe('RegressionLoss', () => {
  it('is 0 for aligned pairs and 8 for opposite ones, whatever their norms', () => {
    const loss = new RegressionLoss();
    const a = tf.tensor2d([
      [1, 2],
      [3, -1],
    ]);
    const b = tf.mul(a, 3) as tf.Tensor2D;
    const minusA = tf.neg(a) as tf.Tensor2D;
    expect(loss.compute({ predictions: [a, b], targets: [b, a] }).dataSync()[0]).toBeCloseTo(0, 5);
    expect(
      loss.compute({ predictions: [a, a], targets: [minusA, minusA] }).dataSync()[0],
    ).toBeCloseTo(8, 5);
  });
});

describe('__Name__Method', () => {
  it('a step has a finite loss, gradients reaching the backbone, none for the target, and leaks no tensors', () => {
    const method = tinyMethod();
    const batch = randomBatch(4, 32, 7);
    const trainable = method.trainableVariables();
    expect([...trainable.keys()].every((name) => /^(online|predictor)\./.test(name))).toBe(true);
    expect([...method.variables().keys()].some((name) => name.startsWith('target.'))).toBe(true);

    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => method.loss(batch).total,
      [...trainable.values()],
    );
    const loss = value.dataSync()[0]!;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThanOrEqual(0);
    expect(loss).toBeLessThanOrEqual(8);
    for (const [name, grad] of Object.entries(grads)) {
      expect(
        tf.tidy(() => tf.all(tf.isFinite(grad)).dataSync()[0]),
        name,
      ).toBe(1);
    }
    const conv1 = trainable.get('online.backbone.conv1.weight')!;
    expect(tf.tidy(() => tf.max(tf.abs(grads[conv1.name]!)).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
  });

  it('afterStep moves the target towards the online network by the cosine momentum', () => {
    const method = tinyMethod();
    const online = method.online.variables().get('backbone.conv1.weight')!;
    const target = method.target.variables().get('backbone.conv1.weight')!;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(online, target))).dataSync()[0])).toBe(0);

    online.assign(tf.add(online, 1));
    const previous = target.dataSync().slice();
    const momentum = method.emaMomentum(context(0));
    expect(momentum).toBeCloseTo(plugin.configSchema.parse({}).momentum, 6);
    method.afterStep(context(0));
    const moved = target.dataSync();
    const current = online.dataSync();
    for (const i of [0, 1, moved.length - 1]) {
      expect(moved[i]).toBeCloseTo(momentum * previous[i]! + (1 - momentum) * current[i]!, 5);
    }
    method.dispose();
  });
});
