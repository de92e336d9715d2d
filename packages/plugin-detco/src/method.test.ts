import { disposeBatch, Rng, SINGLE_PROCESS, selectBackend, type Batch } from '@ssdet/core';
import { encodeInGroups, isBatchNormBuffer, l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETCO_STAGES, type DetcoStage } from './heads.js';
import { DetcoMethod } from './method.js';
import { detcoMethod, randomBatch, stepContext, tinyConfig } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const snapshot = (variables: ReadonlyMap<string, tf.Variable>): Map<string, Float32Array> =>
  new Map([...variables].map(([name, variable]) => [name, variable.dataSync() as Float32Array]));

const norm = (x: tf.Tensor): number => tf.tidy(() => tf.norm(x).dataSync()[0]!);

describe('DetcoMethod', () => {
  const config = tinyConfig({ momentum: 0.9 });
  let method: DetcoMethod;
  beforeAll(() => {
    method = detcoMethod(config, 5);
  });
  afterAll(() => method.dispose());

  /** What the trainer does: grads of the total w.r.t. the trainable variables, plain SGD. No afterStep. */
  function lossAndSgd(
    batch: Batch,
    step: number,
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

  it('has the port’s head names and the paper’s eight queues; θ_k starts as a copy of θ_q', () => {
    const variables = method.variables();
    const names = [...variables.keys()];
    for (const name of [
      'encoder_q.backbone.conv1.weight',
      'encoder_q.backbone.layer4.1.bn2.running_var',
      'encoder_q.heads.global_mlps.0.mlp.0.weight',
      'encoder_q.heads.local_mlps.3.mlp.2.bias',
      'encoder_k.heads.local_mlps.3.mlp.2.bias',
      ...DETCO_STAGES.flatMap((stage) => [
        `queue_g.${stage}.queue`,
        `queue_g.${stage}.queue_ptr`,
        `queue_l.${stage}.queue`,
        `queue_l.${stage}.queue_ptr`,
      ]),
    ]) {
      expect(names).toContain(name);
    }
    // ResNet-18 at 1/8 width: C5 = 64, so the res5 local head is 9·64 = 576 wide.
    expect(variables.get('encoder_q.heads.local_mlps.3.mlp.0.weight')!.shape).toEqual([576, 576]);
    expect(method.globalQueues.res2.queue.shape).toEqual([8, 8]);
    for (const [name, variable] of variables) {
      if (!name.startsWith('encoder_q.')) continue;
      expect(variables.get(name.replace('encoder_q.', 'encoder_k.'))!.dataSync(), name).toEqual(
        variable.dataSync(),
      );
    }
  });

  it('trains exactly θ_q’s parameters: autodiff reaches no BN buffer, θ_k variable or queue', () => {
    const ours = method.variables();
    const expected = [...ours]
      .filter(([name]) => name.startsWith('encoder_q.') && !isBatchNormBuffer(name))
      .map(([name]) => name);
    expect([...method.trainableVariables().keys()].sort()).toEqual([...expected].sort());
    // Differentiate as tfjs does by default, with respect to every trainable variable alive.
    const byTfName = new Map([...ours].map(([name, variable]) => [variable.name, name]));
    const batch = randomBatch(4, config, 31);
    const { value, grads } = tf.variableGrads(() => method.loss(batch, stepContext(0)).total);
    const reached = Object.keys(grads)
      .map((tfName) => byTfName.get(tfName))
      .filter((name): name is string => name !== undefined);
    expect(reached.sort()).toEqual([...expected].sort());
    const zero = reached.filter((name) => norm(grads[ours.get(name)!.name]!) === 0);
    expect(zero, 'trainable variables without gradient').toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    method.afterStep(stepContext(0));
  });

  it('runs the heads once on the whole batch: one gradient per head weight, no per-group sum', async () => {
    // Shuffle-BN splits the backbone forwards into 2 groups; the heads (no BatchNorm) must not
    // be: per-group heads would give each weight one gradient matmul per group plus their Add —
    // at ResNet-50, a 1.36 GB array each for res5's 18,432 × 18,432 local head.
    const trainable = method.trainableVariables();
    const shape = trainable.get('encoder_q.heads.local_mlps.3.mlp.0.weight')!.shape;
    const batch = randomBatch(4, config, 41);
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(
        () => method.loss(batch, stepContext(0)).total,
        [...trainable.values()],
      );
      tf.dispose([value, ...Object.values(grads)]);
    });
    const producing = (kernel: string) =>
      profile.kernels.filter(
        ({ name, outputShapes }) =>
          name === kernel && outputShapes.some((out) => out.join('x') === shape.join('x')),
      ).length;
    expect(shape).toEqual([576, 576]);
    expect(producing('BatchMatMul')).toBe(1);
    expect(producing('Add')).toBe(0);
    disposeBatch(batch);
    method.afterStep(stepContext(0));
  });

  it('sends a term’s gradient to its own stage’s heads: L_l↔g at res2 reaches res2’s local head only', () => {
    // res2's global head is not in that term (its key side comes from θ_k), res3–res5 heads neither.
    const lonely = detcoMethod(tinyConfig({ stageWeights: [1, 0, 0, 0] }), 6);
    const trainable = lonely.trainableVariables();
    const batch = randomBatch(4, lonely.config, 8);
    const byTfName = new Map([...trainable].map(([name, variable]) => [variable.name, name]));
    const { value, grads } = tf.variableGrads(() => {
      const { terms } = lonely.loss(batch, stepContext(0));
      return terms['res2_l2g']!;
    }, [...trainable.values()]);
    // tfjs leaves out the variables the term does not reach at all.
    const gradNorm = (name: string) => {
      const tfName = [...byTfName].find(
        ([, own]) => own === `encoder_q.heads.${name}.mlp.0.weight`,
      )![0];
      return grads[tfName] === undefined ? 0 : norm(grads[tfName]);
    };
    expect(gradNorm('local_mlps.0')).toBeGreaterThan(0);
    expect(gradNorm('global_mlps.0')).toBe(0);
    for (const i of [1, 2, 3]) {
      expect(gradNorm(`local_mlps.${i}`)).toBe(0);
      expect(gradNorm(`global_mlps.${i}`)).toBe(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    lonely.afterStep(stepContext(0));
    lonely.dispose();
  });

  it('after a step: θ_k ← m·θ_k + (1 − m)·θ_q on parameters, own BN statistics, each queue gets its keys', () => {
    const variables = method.variables();
    const keyBefore = snapshot(
      new Map([...variables].filter(([name]) => name.startsWith('encoder_k.'))),
    );
    const queuesBefore = DETCO_STAGES.map((stage) => ({
      global: method.globalQueues[stage].queue.arraySync(),
      local: method.localQueues[stage].queue.arraySync(),
    }));
    const pointer = method.globalQueues.res2.position;
    const batch = randomBatch(4, config, 21);
    const [keyImages, keyPatches] = [
      tf.clone(batch.views['key']!.images),
      tf.clone(batch.views['key_patches']!.images),
    ];
    const { grads } = lossAndSgd(batch, 1);
    tf.dispose([...grads.values()]);

    // The key forwards in `loss` updated θ_k's own BatchNorm statistics.
    expect(variables.get('encoder_k.backbone.bn1.running_mean')!.dataSync()).not.toEqual(
      keyBefore.get('encoder_k.backbone.bn1.running_mean'),
    );
    // The keys the queues should receive: θ_k (not yet updated) on the key inputs, same shuffle.
    const order = stepContext(1).rng.fork('shuffle-bn').permutation(4);
    const expected = tf.tidy(() => {
      const options = { training: true, updateRunningStats: false };
      const global = encodeInGroups(
        keyImages,
        2,
        (x) => method.key.encodeGlobal(x, options),
        order,
      );
      const local = encodeInGroups(keyPatches, 2, (x) => method.key.encodeLocal(x, options), order);
      const read = (embeddings: Record<DetcoStage, tf.Tensor2D>, stage: DetcoStage) =>
        l2Normalize(embeddings[stage], 1).arraySync();
      return DETCO_STAGES.map((stage) => ({
        global: read(global, stage),
        local: read(local, stage),
      }));
    });
    tf.dispose([keyImages, keyPatches]);
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
      let error = 0;
      now.forEach((v, i) => (error = Math.max(error, Math.abs(v - want[i]!))));
      expect(error, name).toBeLessThan(1e-6);
    }

    DETCO_STAGES.forEach((stage, s) => {
      for (const kind of ['global', 'local'] as const) {
        const queue = (kind === 'global' ? method.globalQueues : method.localQueues)[stage];
        expect(queue.position, `${kind} ${stage}`).toBe((pointer + 4) % 8);
        const after = queue.queue.arraySync();
        for (let row = 0; row < 8; row++) {
          const written = (row - pointer + 8) % 8;
          const want = written < 4 ? expected[s]![kind][written]! : queuesBefore[s]![kind][row]!;
          after[row]!.forEach((v, j) =>
            expect(v, `${kind} ${stage} row ${row}`).toBeCloseTo(want[j]!, 5),
          );
        }
      }
    });
  });

  it('heads.localLrMultiplier gives θ_q’s four local heads their own learning rate; the paper’s 1, one group', () => {
    expect(method.parameterGroups().map((group) => group.name)).toEqual(['all']);
    expect([...method.parameterGroups()[0]!.variables.keys()]).toEqual([
      ...method.trainableVariables().keys(),
    ]);
    const slowLocal = detcoMethod(tinyConfig({ heads: { outDim: 8, localLrMultiplier: 0.01 } }), 5);
    const [rest, local] = slowLocal.parameterGroups();
    expect([rest!.name, rest!.lrMultiplier, local!.name, local!.lrMultiplier]).toEqual([
      'all',
      undefined,
      'local_heads',
      0.01,
    ]);
    // Two Linear layers (weight, bias) per stage's local MLP, and nothing else.
    expect([...local!.variables.keys()].sort()).toEqual(
      [0, 1, 2, 3]
        .flatMap((i) => [0, 2].map((layer) => `encoder_q.heads.local_mlps.${i}.mlp.${layer}`))
        .flatMap((prefix) => [`${prefix}.bias`, `${prefix}.weight`])
        .sort(),
    );
    expect([...rest!.variables.keys(), ...local!.variables.keys()].sort()).toEqual(
      [...slowLocal.trainableVariables().keys()].sort(),
    );
    slowLocal.dispose();
  });

  it('leaks no tensors per step', () => {
    const count = (step: number): number => {
      const { grads } = lossAndSgd(randomBatch(4, config, 5), step);
      tf.dispose([...grads.values()]);
      method.afterStep(stepContext(step));
      return tf.memory().numTensors;
    };
    const first = count(2);
    expect(count(3)).toBe(first);
  });

  it('logs twelve weighted terms that add up to the total', () => {
    const { grads, terms, total } = lossAndSgd(randomBatch(4, config, 9), 4);
    tf.dispose([...grads.values()]);
    method.afterStep(stepContext(4));
    expect(Object.keys(terms).sort()).toEqual(
      DETCO_STAGES.flatMap((stage) => ['g2g', 'l2g', 'l2l'].map((t) => `${stage}_${t}`)).sort(),
    );
    expect(Object.values(terms).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 4);
    // w_res2 = 0.1 < w_res5 = 1: with InfoNCE terms of similar size the res5 terms dominate.
    expect(terms['res5_g2g']!).toBeGreaterThan(terms['res2_g2g']!);
  });

  it('exports θ_q’s backbone with torchvision names', () => {
    const backbone = method.exports()['backbone']!;
    expect([...backbone.keys()]).toContain('layer4.1.bn2.running_var');
    expect([...backbone.keys()].every((name) => /^(conv1|bn1|layer[1-4])\./.test(name))).toBe(true);
    expect(backbone.get('conv1.weight')).toBe(
      method.variables().get('encoder_q.backbone.conv1.weight'),
    );
  });

  it('names a missing view', () => {
    const batch = randomBatch(4, config, 1);
    const { key_patches: _dropped, ...views } = batch.views;
    expect(() => method.loss({ ...batch, views }, stepContext(9))).toThrow(
      /detco needs view "key_patches"; the batch has query, key, query_patches/,
    );
    disposeBatch(batch);
  });

  it('refuses shuffle-BN groups that do not split over the ranks, naming both', () => {
    // The groups span the global batch (one process's `shuffleBnGroups`), so each rank needs a whole number.
    const threeRanks = { ...SINGLE_PROCESS, size: 3 };
    const stages = {
      views: method.views,
      createBackbone: () => {
        throw new Error('not reached');
      },
    };
    expect(() => new DetcoMethod(config, Rng.fromSeed(1), stages, threeRanks)).toThrow(
      /DetCo shuffleBnGroups = 2 spans the global batch and must be a multiple of the 3 processes/,
    );
  });
});
