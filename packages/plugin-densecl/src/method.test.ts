import { disposeBatch, selectBackend } from '@ssdet/core';
import { encodeInGroups, isBatchNormBuffer, l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DenseCLMethod } from './method.js';
import { denseclMethod, randomBatch, stepContext, tinyConfig } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const snapshot = (
  variables: ReadonlyMap<string, tf.Variable>,
): Map<string, Float32Array | Int32Array> =>
  new Map(
    [...variables].map(([name, variable]) => [
      name,
      variable.dataSync() as Float32Array | Int32Array,
    ]),
  );

/** What the trainer does: grads of the total w.r.t. the trainable variables, plain SGD. No afterStep. */
function lossAndSgd(
  method: DenseCLMethod,
  batch = randomBatch(4, 64, 3),
  step = 0,
  lr = 0.1,
): { grads: Map<string, tf.Tensor>; terms: Record<string, number>; total: number } {
  const trainable = method.trainableVariables();
  const byTfName = new Map([...trainable].map(([name, variable]) => [variable.name, name]));
  let terms: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const output = method.loss(batch, stepContext(step));
    terms = Object.fromEntries(
      Object.entries(output.terms).map(([name, term]) => [name, term.dataSync()[0]!]),
    );
    return output.total;
  }, [...trainable.values()]);
  const total = value.dataSync()[0]!;
  value.dispose();
  const named = new Map(
    Object.entries(grads).map(([tfName, gradient]) => [byTfName.get(tfName)!, gradient]),
  );
  tf.tidy(() => {
    for (const [name, variable] of trainable)
      variable.assign(tf.sub(variable, tf.mul(named.get(name)!, lr)));
  });
  disposeBatch(batch);
  return { grads: named, terms, total };
}

const norm = (x: tf.Tensor): number => tf.tidy(() => tf.norm(x).dataSync()[0]!);

describe('DenseCLMethod', () => {
  const method = denseclMethod(tinyConfig({ momentum: 0.9 }), 5);
  afterAll(() => method.dispose());

  it('has the official variable names; the key encoder starts as a copy of the query encoder', () => {
    const names = [...method.variables().keys()];
    for (const name of [
      'encoder_q.backbone.conv1.weight',
      'encoder_q.backbone.layer4.1.bn2.running_var',
      'encoder_q.neck.mlp.0.weight',
      'encoder_q.neck.mlp.2.bias',
      'encoder_q.neck.mlp2.0.weight',
      'encoder_q.neck.mlp2.2.bias',
      'encoder_k.neck.mlp2.2.bias',
      'queue',
      'queue_ptr',
      'queue2',
      'queue2_ptr',
    ]) {
      expect(names).toContain(name);
    }
    const variables = method.variables();
    for (const [name, variable] of variables) {
      if (!name.startsWith('encoder_q.')) continue;
      expect(variables.get(name.replace('encoder_q.', 'encoder_k.'))!.dataSync(), name).toEqual(
        variable.dataSync(),
      );
    }
    expect(method.queue.queue.shape).toEqual([8, 8]);
  });

  it('trains exactly the query encoder’s parameters: not its BN buffers, the key encoder or the queues', () => {
    const trainable = [...method.trainableVariables().keys()];
    const expected = [...method.variables()]
      .filter(([name]) => name.startsWith('encoder_q.') && !isBatchNormBuffer(name))
      .map(([name]) => name);
    expect(trainable.sort()).toEqual(expected.sort());
    for (const [name, variable] of method.variables()) {
      if (!name.startsWith('encoder_q.') || isBatchNormBuffer(name))
        expect(variable.trainable, name).toBe(false);
    }
  });

  it('gives every trainable variable a non-zero gradient (backbone, global and dense heads)', () => {
    const { grads } = lossAndSgd(method);
    expect(grads.size).toBe(method.trainableVariables().size);
    const zero = [...grads].filter(([, gradient]) => norm(gradient) === 0).map(([name]) => name);
    expect(zero).toEqual([]);
    tf.dispose([...grads.values()]);
    method.afterStep(stepContext(0));
  });

  it('after a step: θ_k ← m·θ_k + (1 − m)·θ_q on parameters, own BN statistics, keys enqueued at the pointer', () => {
    const variables = method.variables();
    const keyBefore = snapshot(
      new Map([...variables].filter(([name]) => name.startsWith('encoder_k.'))),
    );
    const queueBefore = method.queue.queue.arraySync();
    const denseQueueBefore = method.denseQueue.queue.arraySync();
    const pointer = method.queue.position;
    const batch = randomBatch(4, 64, 21);
    const keyImages = tf.clone(batch.views['key']!.images);
    const { grads } = lossAndSgd(method, batch, 1);
    tf.dispose([...grads.values()]);

    // The key forward in `loss` updated the key encoder's own BatchNorm statistics.
    expect(variables.get('encoder_k.backbone.bn1.running_mean')!.dataSync()).not.toEqual(
      keyBefore.get('encoder_k.backbone.bn1.running_mean'),
    );
    // The keys the queues should receive: θ_k (not yet updated) on the key view, same shuffle.
    const order = stepContext(1).rng.fork('shuffle-bn').permutation(4);
    const expected = tf.tidy(() => {
      const encoding = encodeInGroups(
        keyImages,
        2,
        (x) => method.key.forward(x, { training: true }),
        order,
      );
      return {
        keys: l2Normalize(encoding.global, 1).arraySync(),
        dense: l2Normalize(encoding.densePooled, 1).arraySync(),
      };
    });
    keyImages.dispose();
    const keyBuffersAfterLoss = snapshot(
      new Map(
        [...variables].filter(([name]) => name.startsWith('encoder_k.') && isBatchNormBuffer(name)),
      ),
    );

    method.afterStep(stepContext(1));

    for (const [name, before] of keyBefore) {
      const now = variables.get(name)!.dataSync();
      if (isBatchNormBuffer(name)) {
        expect(Array.from(now), name).toEqual(Array.from(keyBuffersAfterLoss.get(name)!)); // 'keep'
        continue;
      }
      const online = variables.get(name.replace('encoder_k.', 'encoder_q.'))!.dataSync();
      const want = before.map((k, i) => 0.9 * k + 0.1 * online[i]!);
      const error = Math.max(...Array.from(now, (v, i) => Math.abs(v - want[i]!)));
      expect(error, name).toBeLessThan(1e-6);
    }

    expect(method.queue.position).toBe((pointer + 4) % 8);
    expect(method.denseQueue.position).toBe((pointer + 4) % 8);
    const queueAfter = method.queue.queue.arraySync();
    const denseQueueAfter = method.denseQueue.queue.arraySync();
    for (let row = 0; row < 8; row++) {
      const written = (row - pointer + 8) % 8;
      const [wantGlobal, wantDense] =
        written < 4
          ? [expected.keys[written]!, expected.dense[written]!]
          : [queueBefore[row]!, denseQueueBefore[row]!];
      queueAfter[row]!.forEach((v, j) => expect(v).toBeCloseTo(wantGlobal[j]!, 5));
      denseQueueAfter[row]!.forEach((v, j) => expect(v).toBeCloseTo(wantDense[j]!, 5));
    }
  });

  it('leaks no tensors per step', () => {
    const count = (): number => {
      const { grads } = lossAndSgd(method, randomBatch(4, 64, 5), 2);
      tf.dispose([...grads.values()]);
      method.afterStep(stepContext(2));
      return tf.memory().numTensors;
    };
    const first = count();
    expect(count()).toBe(first);
  });

  it('exports the query backbone with torchvision names', () => {
    const backbone = method.exports()['backbone']!;
    expect([...backbone.keys()]).toContain('layer4.1.bn2.running_var');
    expect([...backbone.keys()].every((name) => /^(conv1|bn1|layer[1-4])\./.test(name))).toBe(true);
    const own = new Set(method.variables().values());
    expect([...backbone.values()].every((variable) => own.has(variable))).toBe(true);
    expect(backbone.get('conv1.weight')).toBe(
      method.variables().get('encoder_q.backbone.conv1.weight'),
    );
  });
});

describe('DenseCLMethod λ warm-up', () => {
  it('trains only the global branch while λ = 0, then both', () => {
    const method = denseclMethod(tinyConfig({ warmupSteps: 1 }), 8);
    const dense = (grads: Map<string, tf.Tensor>) =>
      [...grads].filter(([name]) => name.includes('neck.mlp2.')).map(([, g]) => norm(g));
    const global = (grads: Map<string, tf.Tensor>) =>
      [...grads].filter(([name]) => name.includes('neck.mlp.')).map(([, g]) => norm(g));

    const warm = lossAndSgd(method, randomBatch(4, 64, 1), 0);
    expect(warm.terms['dense']).toBe(0);
    expect(dense(warm.grads).every((n) => n === 0)).toBe(true);
    expect(global(warm.grads).every((n) => n > 0)).toBe(true);
    tf.dispose([...warm.grads.values()]);
    method.afterStep(stepContext(0));

    const after = lossAndSgd(method, randomBatch(4, 64, 2), 1);
    expect(after.terms['dense']).toBeGreaterThan(0);
    expect(dense(after.grads).every((n) => n > 0)).toBe(true);
    // The logged terms are the weighted ones and add up to the total: (1 − λ)·L_q + λ·L_r.
    expect(after.terms['global']! + after.terms['dense']!).toBeCloseTo(after.total, 5);
    expect(warm.terms['global']).toBeCloseTo(warm.total, 5);
    tf.dispose([...after.grads.values()]);
    method.afterStep(stepContext(1));
    method.dispose();
  });
});
