import { disposeBatch, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetconBMethod, DetconSMethod } from './method.js';
import { detconMethod, randomBatch, stepContext, tinyConfig } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function gradientsOf(method: DetconBMethod | DetconSMethod, seed = 7) {
  const batch = randomBatch(4, 64, seed);
  const trainable = method.trainableVariables();
  const { value, grads } = tf.variableGrads(
    () => method.loss(batch, stepContext(0)).total,
    [...trainable.values()],
  );
  disposeBatch(batch);
  return { value, grads, trainable };
}

describe('DetCon-B', () => {
  it('a step has a finite loss; gradients reach every online and predictor parameter and nothing else; no tensor leaks', () => {
    const method = detconMethod(tinyConfig(), 0) as DetconBMethod;
    expect(method).toBeInstanceOf(DetconBMethod);
    const names = [...method.trainableVariables().keys()];
    expect(names.every((name) => /^(online|predictor)\./.test(name))).toBe(true);
    expect(names.some((name) => name.startsWith('predictor.'))).toBe(true);
    expect(names.some((name) => /running_(mean|var)/.test(name))).toBe(false);
    const targetNames = [...method.variables().keys()].filter((n) => n.startsWith('target.'));
    expect(targetNames.length).toBeGreaterThan(0);
    expect(targetNames.every((name) => !method.variables().get(name)!.trainable)).toBe(true);

    // Warm up once (tfjs caches kernels), then count tensors around a full step.
    tf.dispose(Object.values(gradientsOf(method).grads));
    const before = tf.memory().numTensors;
    const { value, grads, trainable } = gradientsOf(method);
    const loss = value.dataSync()[0]!;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(0);
    for (const [name, variable] of trainable) expect(grads[variable.name], name).toBeDefined();
    // Non-zero where the first step must move: the stem, the zero-initialised residual scales
    // (init.zeroInitResidual: each block's branch starts at 0, so its convolutions get no gradient
    // until these move), projector and predictor.
    for (const name of [
      'online.backbone.conv1.weight',
      'online.backbone.layer1.0.bn2.weight',
      'online.backbone.layer4.1.bn2.weight',
      'online.projector.0.weight',
      'online.projector.3.weight',
      'predictor.0.weight',
      'predictor.3.weight',
    ]) {
      const grad = grads[trainable.get(name)!.name]!;
      expect(
        tf.tidy(() => tf.max(tf.abs(grad)).dataSync()[0]),
        name,
      ).toBeGreaterThan(0);
    }
    method.afterStep(stepContext(0));
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
  });

  it('the target starts as the online network and follows it by the cosine momentum after each step', () => {
    const method = detconMethod(tinyConfig(), 1) as DetconBMethod;
    const online = method.online.variables().get('backbone.conv1.weight')!;
    const target = method.target.variables().get('backbone.conv1.weight')!;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(online, target))).dataSync()[0])).toBe(0);
    online.assign(tf.add(online, 1));
    const previous = target.dataSync().slice();
    const context = stepContext(50, 100);
    const momentum = method.emaMomentum(context);
    // τ = 1 − (1 − 0.996)(cos(π·50/100) + 1)/2 = 0.998.
    expect(momentum).toBeCloseTo(0.998, 6);
    method.afterStep(context);
    const moved = target.dataSync();
    const current = online.dataSync();
    for (const i of [0, 1, moved.length - 1])
      expect(moved[i]).toBeCloseTo(momentum * previous[i]! + (1 - momentum) * current[i]!, 5);
    expect(method.emaMomentum(stepContext(100, 100))).toBe(1);
    method.dispose();
  });

  it('online and target pool the same sampled masks; a different step draws others', () => {
    const method = detconMethod(tinyConfig({ masks: { samples: 16 } }), 2) as DetconBMethod;
    const batch = randomBatch(2, 64, 3);
    const draw = (step: number) =>
      // sampleViews is what loss() uses for both networks
      (
        method as unknown as {
          sampleViews: (
            b: typeof batch,
            c: ReturnType<typeof stepContext>,
          ) => readonly { masks: { ids: Int32Array[] } }[];
        }
      )
        .sampleViews(batch, stepContext(step))
        .map((view) => view.masks.ids.map((ids) => Array.from(ids)));
    expect(draw(0)).toEqual(draw(0));
    expect(draw(0)).not.toEqual(draw(1));
    // Every id drawn is a mask present on the view's 2 × 2 grid (ids 0–3 for view 1, shifted for view 2).
    for (const view of draw(0))
      for (const ids of view) for (const id of ids) expect(id).toBeLessThan(4);
    disposeBatch(batch);
    method.dispose();
  });

  it('refuses a batch without masks, naming the view', () => {
    const method = detconMethod(tinyConfig(), 3);
    const batch = randomBatch(2, 64, 4);
    const { masks: _dropped, ...view1 } = batch.views['view1']!;
    expect(() =>
      method.loss({ ...batch, views: { ...batch.views, view1 } }, stepContext(0)),
    ).toThrow(/masks of view "view1"/);
    disposeBatch(batch);
    method.dispose();
  });
});

describe('DetCon-S', () => {
  it('one network, no predictor and no target; every parameter gets a gradient; no leaks', () => {
    const method = detconMethod(tinyConfig({ variant: 's' }), 4) as DetconSMethod;
    expect(method).toBeInstanceOf(DetconSMethod);
    const names = [...method.variables().keys()];
    expect(names.every((name) => name.startsWith('online.'))).toBe(true);
    expect('emaMomentum' in method).toBe(false);
    tf.dispose(Object.values(gradientsOf(method).grads));
    const before = tf.memory().numTensors;
    const { value, grads, trainable } = gradientsOf(method);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    expect(Object.keys(grads).length).toBe(trainable.size);
    const conv1 = trainable.get('online.backbone.conv1.weight')!;
    expect(tf.tidy(() => tf.max(tf.abs(grads[conv1.name]!)).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
  });

  it('exports the one backbone with torchvision names', () => {
    const method = detconMethod(tinyConfig({ variant: 's' }), 5);
    const backbone = method.exports()['backbone']!;
    expect(backbone.has('conv1.weight')).toBe(true);
    expect([...backbone.keys()].some((name) => name.startsWith('online'))).toBe(false);
    method.dispose();
  });

  it('is seeded: the same seed gives the same weights', () => {
    const a = detconMethod(tinyConfig({ variant: 's' }), 6);
    const b = detconMethod(tinyConfig({ variant: 's' }), 6);
    const name = 'online.projector.0.weight';
    expect(Array.from(a.variables().get(name)!.dataSync())).toEqual(
      Array.from(b.variables().get(name)!.dataSync()),
    );
    a.dispose();
    b.dispose();
  });
});
