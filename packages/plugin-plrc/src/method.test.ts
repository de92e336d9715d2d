import { disposeBatch, selectBackend } from '@ssdet/core';
import { isBatchNormBuffer } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveLossWeights, type PlrcMethod } from './method.js';
import { plrcMethod, randomBatch, stepContext, tinyConfig } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** What the trainer does: grads of the total w.r.t. the trainable variables, plain SGD. No afterStep. */
function lossAndSgd(
  method: PlrcMethod,
  seed = 3,
  step = 0,
  lr = 0.1,
): { grads: Map<string, tf.Tensor>; terms: Record<string, number>; total: number } {
  const batch = randomBatch(4, method.config, seed);
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

describe('PlrcMethod', () => {
  const method = plrcMethod(tinyConfig({ momentum: 0.9 }), 5);
  afterAll(() => method.dispose());

  it('has the official heads under encoder_q / encoder_k; θ_k starts as θ_q', () => {
    const names = [...method.variables().keys()];
    for (const name of [
      'encoder_q.backbone.conv1.weight',
      'encoder_q.fcs.0.weight',
      'encoder_q.fcs.2.bias',
      'encoder_q.fcs_2.mlp.0.weight',
      'encoder_q.fcs_2.mlp.1.running_mean',
      'encoder_q.fcs_2.mlp.6.bias',
      'encoder_q.fcs_2.last_layer.weight_g',
      'encoder_q.fcs_2.last_layer.weight_v',
      'encoder_k.fcs_2.last_layer.weight_v',
      'queue',
      'queue_ptr',
      'center',
    ])
      expect(names).toContain(name);
    const variables = method.variables();
    for (const [name, variable] of variables) {
      if (!name.startsWith('encoder_q.')) continue;
      expect(variables.get(name.replace('encoder_q.', 'encoder_k.'))!.dataSync(), name).toEqual(
        variable.dataSync(),
      );
    }
    // The official queue: U(±1/√(D/3)), not normalised; the centre [S² + K] at 0.
    const bound = 1 / Math.sqrt(8 / 3);
    const queue = Array.from(method.queue.queue.dataSync());
    expect(Math.max(...queue.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(method.center.shape).toEqual([16 * 16 + 12]);
  });

  it('trains exactly θ_q’s parameters: not its BN buffers, its fixed weight-norm scale, θ_k, queue or centre', () => {
    const trainable = [...method.trainableVariables().keys()].sort();
    const expected = [...method.variables()]
      .filter(
        ([name]) =>
          name.startsWith('encoder_q.') && !isBatchNormBuffer(name) && !name.endsWith('weight_g'),
      )
      .map(([name]) => name)
      .sort();
    expect(trainable).toEqual(expected);
  });

  it('gives every trainable variable a non-zero gradient, and logs the three weighted terms', () => {
    const { grads, terms, total } = lossAndSgd(method);
    expect(grads.size).toBe(method.trainableVariables().size);
    const zero = [...grads].filter(([, gradient]) => norm(gradient) === 0).map(([name]) => name);
    expect(zero).toEqual([]);
    expect(Object.keys(terms).sort()).toEqual(['distillation', 'image', 'point']);
    expect(terms['image']! + terms['point']! + terms['distillation']!).toBeCloseTo(total, 4);
    for (const value of Object.values(terms)) expect(value).toBeGreaterThan(0);
    tf.dispose([...grads.values()]);
    method.afterStep(stepContext(0));
  });

  it('after a step: θ_k ← m·θ_k + (1 − m)·θ_q, keys enqueued at the pointer, the centre moves', () => {
    const variables = method.variables();
    const keyBefore = new Map(
      [...variables]
        .filter(([name]) => name.startsWith('encoder_k.') && !isBatchNormBuffer(name))
        .map(([name, variable]) => [name, variable.dataSync().slice()]),
    );
    const pointer = method.queue.position;
    const queueBefore = method.queue.queue.arraySync();
    const centerBefore = Array.from(method.center.dataSync());
    const { grads } = lossAndSgd(method, 21, 1);
    tf.dispose([...grads.values()]);
    method.afterStep(stepContext(1));
    for (const [name, before] of keyBefore) {
      const now = variables.get(name)!.dataSync();
      const online = variables.get(name.replace('encoder_k.', 'encoder_q.'))!.dataSync();
      const error = Math.max(
        ...Array.from(now, (v, i) => Math.abs(v - (0.9 * before[i]! + 0.1 * online[i]!))),
      );
      expect(error, name).toBeLessThan(1e-6);
    }
    // Four keys into a queue of six from `pointer`, wrapping round (the paper's queue).
    expect(method.queue.position).toBe((pointer + 4) % 6);
    const after = method.queue.queue.arraySync();
    const written = new Set([0, 1, 2, 3].map((i) => (pointer + i) % 6));
    for (let row = 0; row < 6; row++) {
      if (written.has(row)) {
        const length = Math.hypot(...after[row]!);
        expect(length).toBeCloseTo(1, 5); // normalised keys
      } else {
        expect(after[row]).toEqual(queueBefore[row]);
      }
    }
    expect(Array.from(method.center.dataSync())).not.toEqual(centerBefore);
  });

  it('leaks no tensors per step', () => {
    const count = (): number => {
      const { grads } = lossAndSgd(method, 5, 2);
      tf.dispose([...grads.values()]);
      method.afterStep(stepContext(2));
      return tf.memory().numTensors;
    };
    const first = count();
    expect(count()).toBe(first);
  });

  it('exports the query backbone with torchvision names', () => {
    const backbone = method.exports()['backbone']!;
    expect([...backbone.keys()].every((name) => /^(conv1|bn1|layer[1-4])\./.test(name))).toBe(true);
    expect(backbone.get('conv1.weight')).toBe(
      method.variables().get('encoder_q.backbone.conv1.weight'),
    );
  });
});

describe('PLRC official quirks', () => {
  it('truncates the queue at its end instead of wrapping', () => {
    const method = plrcMethod(tinyConfig({ officialQuirks: { truncatingQueue: true } }), 6);
    const first = lossAndSgd(method, 1, 0);
    tf.dispose([...first.grads.values()]);
    method.afterStep(stepContext(0));
    expect(method.queue.position).toBe(4);
    const second = lossAndSgd(method, 2, 1);
    tf.dispose([...second.grads.values()]);
    method.afterStep(stepContext(1));
    // Only 2 of the 4 keys fit before row 6; the pointer returns to 0.
    expect(method.queue.position).toBe(0);
    method.dispose();
  });

  it('weights the losses as the paper, or as main_plrc.py’s swapped unpacking', () => {
    expect(effectiveLossWeights(tinyConfig())).toEqual({
      image: 0.7,
      point: 0.3,
      distillation: 0.3,
    });
    const swapped = effectiveLossWeights(
      tinyConfig({ officialQuirks: { swappedLossWeights: true } }),
    );
    expect(swapped.image).toBe(1);
    expect(swapped.point).toBeCloseTo(0.21, 12);
    expect(swapped.distillation).toBeCloseTo(0.21, 12);
  });

  it('changes L_img with the official arange(B) targets and L_point with transposed points', () => {
    const terms = (quirks: Record<string, boolean>) => {
      const method = plrcMethod(tinyConfig({ officialQuirks: quirks }), 7);
      const { grads, terms } = lossAndSgd(method, 9, 0, 0);
      tf.dispose([...grads.values()]);
      method.dispose();
      return terms;
    };
    const paper = terms({});
    const official = terms({ imageTargets: true, transposedPoints: true });
    expect(official['image']).not.toBeCloseTo(paper['image']!, 3);
    expect(official['point']).not.toBeCloseTo(paper['point']!, 3);
    expect(official['distillation']).toBeCloseTo(paper['distillation']!, 5);
  });
});
