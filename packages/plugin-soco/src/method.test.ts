import { Rng, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { socoMethod, tinyBatch, tinyConfig } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function context(step: number, totalSteps = 10) {
  return { step, epoch: 0, totalSteps, rng: Rng.fromSeed(step) };
}

describe('SocoMethod', () => {
  it('sends gradients to the online backbone, FPN, head, projector and predictor, none to the target', async () => {
    // With SoCo's zeroed block scales the convolutions inside the blocks get no gradient at the
    // first step (init.test.ts checks that); start every scale at 1 to see gradients reach them.
    const method = socoMethod(tinyConfig({ init: { zeroInitResidual: false } }), 1);
    const batch = await tinyBatch(method, 2);
    const trainable = method.trainableVariables();
    expect([...trainable.keys()].some((name) => name.startsWith('target.'))).toBe(false);
    expect(
      [...method.variables().keys()].filter((n) => n.startsWith('target.')).length,
    ).toBeGreaterThan(0);
    const tfNames = new Map([...trainable].map(([name, v]) => [v.name, name]));
    const { value, grads } = tf.variableGrads(
      () => method.loss(batch).total,
      [...trainable.values()],
    );
    const norms = new Map(
      Object.entries(grads).map(([tfName, g]) => [tfNames.get(tfName)!, tf.norm(g).dataSync()[0]!]),
    );
    for (const name of [
      'backbone.conv1.weight',
      'backbone.layer4.1.conv2.weight',
      'fpn.fpn_lateral5.weight',
      'head.conv1.weight',
      'head.fc1.weight',
      'projector.0.weight',
      'predictor.3.weight',
    ]) {
      expect(
        norms.get(name) ?? -1,
        `${name} (missing: ${[...trainable.keys()].filter((n) => !norms.has(n)).join(', ')})`,
      ).toBeGreaterThan(0);
    }
    // Only the FPN branches of levels no box of this batch was assigned to may go without one.
    const missing = [...trainable.keys()].filter((name) => !norms.has(name));
    expect(missing.every((name) => /^fpn\.fpn_(lateral|output)[2-5]\./.test(name))).toBe(true);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('loss terms sum to the total, one per view pair, in [−8, 8]', async () => {
    const method = socoMethod(tinyConfig({ roi: { pooling: 'every-level' } }), 2);
    const batch = await tinyBatch(method, 2, 5);
    tf.tidy(() => {
      const { total, terms } = method.loss(batch);
      expect(Object.keys(terms)).toEqual(['v1_v2', 'v1_v3']);
      const sum = Object.values(terms).reduce((a, t) => a + t.dataSync()[0]!, 0);
      expect(total.dataSync()[0]!).toBeCloseTo(sum, 5);
      expect(Math.abs(sum)).toBeLessThanOrEqual(8);
    });
  });

  it('updates the target by EMA after the step with τ(step + 1), keeping its BN buffers', async () => {
    const method = socoMethod(tinyConfig(), 3);
    const online = method.online.variables().get('head.fc1.weight')!;
    const target = method.target.variables().get('head.fc1.weight')!;
    expect(tf.max(tf.abs(tf.sub(online, target))).dataSync()[0]).toBe(0);
    online.assign(tf.add(online, 1));
    const runningOnline = method.online.variables().get('backbone.bn1.running_mean')!;
    runningOnline.assign(tf.add(runningOnline, 5));
    const before = target.dataSync()[0]!;
    const onlineValue = online.dataSync()[0]!;
    method.afterStep(context(3));
    // SoCo's update after step 3 uses τ(4) = 1 − (1 − 0.99)(cos(π·4/10) + 1)/2.
    const tau = 1 - (0.01 * (Math.cos((Math.PI * 4) / 10) + 1)) / 2;
    expect(method.emaMomentum(context(3))).toBeCloseTo(tau, 12);
    expect(target.dataSync()[0]!).toBeCloseTo(tau * before + (1 - tau) * onlineValue, 5);
    expect(method.target.variables().get('backbone.bn1.running_mean')!.dataSync()[0]).toBe(0);
  });

  it('momentum rises from 0.99 on a cosine to 1 at the last step', () => {
    const method = socoMethod(tinyConfig(), 4);
    expect(method.emaMomentum(context(0, 1000))).toBeCloseTo(
      1 - (0.01 * (Math.cos(Math.PI / 1000) + 1)) / 2,
      10,
    );
    expect(method.emaMomentum(context(499, 1000))).toBeCloseTo(0.995, 6);
    expect(method.emaMomentum(context(999, 1000))).toBe(1);
  });

  it('exports the online backbone, FPN and box head with torchvision/detectron2 names', () => {
    const method = socoMethod(tinyConfig(), 5);
    const exports = method.exports();
    expect(Object.keys(exports)).toEqual(['backbone', 'fpn', 'head']);
    expect(exports['backbone']!.get('layer1.0.conv1.weight')).toBe(
      method.variables().get('backbone.layer1.0.conv1.weight'),
    );
    expect(exports['fpn']!.has('fpn_output2.norm.running_var')).toBe(true);
    expect(exports['head']!.has('fc1.weight')).toBe(true);
  });

  it('leaks no tensor over a training step (loss, gradients, EMA)', async () => {
    const method = socoMethod(tinyConfig(), 6);
    const batch = await tinyBatch(method, 2, 9);
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => method.loss(batch).total,
        [...method.trainableVariables().values()],
      );
      tf.dispose([value, ...Object.values(grads)]);
      method.afterStep(context(0));
    };
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
