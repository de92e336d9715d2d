import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdamWOptimizer, Rng, disposeBatch, selectBackend, type Batch } from '@ssdet/core';
import { ResNet, exportStateDict, writeSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProsecoMethod } from './method.js';
import { normalizedPriors, paddedBatchMask } from './padded-batch.js';
import { matchProposals } from './proposal-matching.js';
import { stepContext, tinyBatch, tinyConfig, tinyMethod } from './test-support/tiny.js';

let dir: string;
let method: ProsecoMethod;
let batch: Batch;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-proseco-'));
  method = tinyMethod(tinyConfig());
  batch = await tinyBatch(method, [
    [120, 100],
    [90, 140],
  ]);
});

afterAll(async () => {
  disposeBatch(batch);
  method.dispose();
  await rm(dir, { recursive: true, force: true });
});

function gradients(m: ProsecoMethod, b: Batch, step: number) {
  const trainable = m.trainableVariables();
  const byTfName = new Map([...trainable].map(([name, v]) => [v.name, name]));
  let terms: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = m.loss(b, stepContext(step));
    terms = Object.fromEntries(Object.entries(out.terms).map(([k, v]) => [k, v.dataSync()[0]!]));
    return out.total;
  }, [...trainable.values()]);
  const total = value.dataSync()[0]!;
  value.dispose();
  return {
    total,
    terms,
    grads: new Map(Object.entries(grads).map(([tfName, g]) => [byTfName.get(tfName)!, g])),
  };
}

const maxAbs = (t: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);

describe('ProsecoMethod', () => {
  it('builds normalised cxcywh targets from the padded student views', () => {
    const view = batch.views['student']!;
    const { sizes } = paddedBatchMask(view);
    expect(view.images.shape.slice(1, 3)).toEqual([96, 96]);
    for (const boxes of normalizedPriors(view, sizes)) {
      expect(boxes.length / 4).toBeGreaterThanOrEqual(2);
      for (const v of boxes) expect(v).toBeGreaterThan(0);
      for (const v of boxes) expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('gives a finite loss whose terms (focal, L1, GIoU over layers, LocInfoNCE) add up to the total', () => {
    const { total, terms, grads } = gradients(method, batch, 0);
    expect(Object.keys(terms).sort()).toEqual([
      'loss_bbox',
      'loss_ce',
      'loss_giou',
      'loss_locinfonce',
    ]);
    expect(Number.isFinite(total)).toBe(true);
    // B·Q = 24 proposals: LocInfoNCE is at most log 24 + 2/τ·… — but well above 0 at random init.
    expect(terms['loss_locinfonce']!).toBeGreaterThan(0);
    expect(Object.values(terms).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 4);
    tf.dispose([...grads.values()]);
  });

  it('contrasts B·Q student embeddings with B·Q teacher proposals; positives stay within images', () => {
    const { positives, matched } = tf.tidy(() => {
      const { sizes, pixelMask, height, width } = paddedBatchMask(batch.views['student']!);
      void sizes;
      const mask = tf.tensor3d(pixelMask, [2, height, width]);
      const crop = (name: string) =>
        tf.slice(batch.views[name]!.images, [0, 0, 0, 0], [2, height, width, 3]);
      const s = method.student.forward({
        images: crop('student'),
        pixelMask: mask,
        training: false,
      });
      const t = method.teacher.forward({
        images: crop('teacher'),
        pixelMask: mask,
        training: false,
      });
      const inputs = method.contrastInputs(s, t) as ReturnType<typeof method.contrastInputs> & {
        matched: Int32Array;
      };
      expect(inputs.student.shape).toEqual([24, 16]);
      expect(inputs.teacher.shape).toEqual([24, 16]);
      return { positives: inputs.positives.arraySync(), matched: inputs.matched };
    });
    expect(positives.length).toBe(24);
    positives.forEach((row, i) => {
      // Its matched proposal is a positive, and it is in the same image.
      expect(row[matched[i]!]).toBe(1);
      expect(Math.floor(matched[i]! / 12)).toBe(Math.floor(i / 12));
      row.forEach((v, j) => {
        if (Math.floor(j / 12) !== Math.floor(i / 12)) expect(v).toBe(0);
      });
    });
    // A permutation within each image.
    expect([...matched].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('matches student to teacher by embedding when matcher.costEmbedding is set', () => {
    const embeddingOnly = tinyMethod(
      tinyConfig({ matcher: { costBbox: 0, costGiou: 0, costEmbedding: 1 } }),
    );
    const { viaMethod, direct, zeroCost } = tf.tidy(() => {
      const { height, width, pixelMask } = paddedBatchMask(batch.views['student']!);
      const mask = tf.tensor3d(pixelMask, [2, height, width]);
      const run = (name: 'student' | 'teacher') =>
        method[name].forward({
          images: tf.slice(batch.views[name]!.images, [0, 0, 0, 0], [2, height, width, 3]),
          pixelMask: mask,
          training: false,
        });
      const s = run('student');
      // The teacher starts as a copy of the student, so its proposals line up query by query;
      // reversing their order makes the embedding matching undo it, unlike a cost of zero.
      const unshuffled = run('teacher');
      const reversed = Array.from({ length: 12 }, (_, q) => 11 - q);
      const t = {
        ...unshuffled,
        boxes: tf.gather(unshuffled.boxes, reversed, 1),
        extras: { features: tf.gather(unshuffled.extras!['features'] as tf.Tensor3D, reversed, 1) },
      };
      const inputs = embeddingOnly.contrastInputs(s, t) as ReturnType<
        typeof method.contrastInputs
      > & { matched: Int32Array };
      const embeddings = {
        student: s.extras!['features'] as tf.Tensor3D,
        teacher: t.extras!['features'] as tf.Tensor3D,
      };
      const noCost = { bbox: 0, giou: 0 };
      return {
        viaMethod: Array.from(inputs.matched),
        direct: Array.from(
          matchProposals(s.boxes, t.boxes, { ...noCost, embedding: 1 }, embeddings),
        ),
        zeroCost: Array.from(matchProposals(s.boxes, t.boxes, noCost)),
      };
    });
    embeddingOnly.dispose();
    expect(viaMethod).toEqual(direct);
    // All-zero costs give the trivial assignment; the embedding cost moves it.
    expect(viaMethod).not.toEqual(zeroCost);
  });

  it('sends gradients to the student detector only — none into the fixed CNN or the teacher', () => {
    const trainable = [...method.trainableVariables().keys()];
    const all = method.variables();
    const backbone = [...all.keys()].filter((name) => name.startsWith('backbone.'));
    const teacher = [...all.keys()].filter((name) => name.startsWith('teacher.'));
    expect(backbone.length).toBeGreaterThan(50);
    expect(teacher.length).toBe(trainable.length);
    expect(trainable.every((name) => name.startsWith('student.'))).toBe(true);
    for (const name of [...backbone, ...teacher])
      expect(all.get(name)!.trainable, name).toBe(false);

    const { grads } = gradients(method, batch, 1);
    expect([...grads.keys()].sort()).toEqual([...trainable].sort());
    // Deformable DETR's init zeroes bbox_embed's last layer and the sampling offsets' weights:
    // these get zero gradients at step 0 (as DETReg's); feature_embed is reached by LocInfoNCE.
    const zero = [...grads].filter(([, g]) => maxAbs(g) === 0).map(([name]) => name);
    expect(zero.sort()).toEqual([
      'student.bbox_embed.layers.0.bias',
      'student.bbox_embed.layers.0.weight',
      'student.bbox_embed.layers.1.bias',
      'student.bbox_embed.layers.1.weight',
      'student.transformer.level_embed',
    ]);
    expect(maxAbs(grads.get('student.feature_embed.layers.1.weight')!)).toBeGreaterThan(0);

    const before = new Map(
      [...backbone, ...teacher].map((name) => [name, Array.from(all.get(name)!.dataSync())]),
    );
    const weight = all.get('student.transformer.decoder.layers.1.linear1.weight')!;
    const weightBefore = Array.from(weight.dataSync());
    const optimizer = new AdamWOptimizer([...method.parameterGroups()], { weightDecay: 1e-4 });
    optimizer.apply(grads, 1e-3);
    for (const name of [...backbone, ...teacher])
      expect(Array.from(all.get(name)!.dataSync()), name).toEqual(before.get(name));
    expect(Array.from(weight.dataSync())).not.toEqual(weightBefore);
    optimizer.dispose();
    tf.dispose([...grads.values()]);
  });

  it('starts the teacher equal to the student and moves it by θ_t ← m·θ_t + (1 − m)·θ_s after a step', () => {
    const m = tinyMethod(tinyConfig({ momentum: 0.9 }), 3);
    const student = m.student.variables().get('transformer.decoder.layers.0.linear1.weight')!;
    const teacher = m.teacher.variables().get('transformer.decoder.layers.0.linear1.weight')!;
    expect(Array.from(teacher.dataSync())).toEqual(Array.from(student.dataSync()));
    const t0 = Float32Array.from(teacher.dataSync());
    student.assign(tf.tidy(() => tf.add(student, 1)));
    const s1 = Float32Array.from(student.dataSync());
    expect(m.emaMomentum(stepContext(0))).toBe(0.9);
    m.afterStep(stepContext(0));
    const t1 = teacher.dataSync();
    for (let i = 0; i < t1.length; i += 97)
      expect(t1[i]!).toBeCloseTo(0.9 * t0[i]! + 0.1 * s1[i]!, 5);
    // The CNN is shared, not copied.
    expect(m.teacher.backbone).toBe(m.student.backbone);
    m.dispose();
  });

  it('puts reference_points and sampling_offsets in a 0.1× learning-rate group', () => {
    const groups = method.parameterGroups();
    expect(groups.map((g) => [g.name, g.lrMultiplier])).toEqual([
      ['base', undefined],
      ['linear-proj', 0.1],
    ]);
    const slow = [...groups[1]!.variables.keys()];
    expect(slow).toContain('student.transformer.reference_points.weight');
    expect(slow.every((n) => /reference_points|sampling_offsets/.test(n))).toBe(true);
    expect(groups[0]!.variables.size + slow.length).toBe(method.trainableVariables().size);
  });

  it('leaks no tensor per step', () => {
    tf.dispose([...gradients(method, batch, 2).grads.values()]);
    const before = tf.memory().numTensors;
    tf.dispose([...gradients(method, batch, 3).grads.values()]);
    method.afterStep(stepContext(3));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("exports the CNN and the student detector with Deformable DETR's names, without class_embed", () => {
    const exports = method.exports();
    expect(Object.keys(exports).sort()).toEqual(['backbone', 'detector']);
    expect(exports['backbone']!.has('conv1.weight')).toBe(true);
    const detector = [...exports['detector']!.keys()];
    for (const name of [
      'query_embed.weight',
      'bbox_embed.layers.2.bias',
      'feature_embed.layers.1.weight',
      'input_proj.3.1.bias',
      'transformer.reference_points.weight',
    ]) {
      expect(detector, name).toContain(name);
    }
    expect(detector.some((n) => /^(class_embed|backbone|student|teacher)/.test(n))).toBe(false);
    expect(exports['detector']!.get('query_embed.weight')).toBe(
      method.variables().get('student.query_embed.weight'),
    );
  });
});

describe('backboneWeights', () => {
  it('loads a state dict into the shared CNN and refuses to build without one', async () => {
    const source = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(42) });
    const file = path.join(dir, 'cnn.safetensors');
    await writeFile(file, writeSafetensors(exportStateDict(source, { prefix: 'module.' })));
    const loaded = tinyMethod(tinyConfig({ backboneWeights: file }));
    const target = loaded.backbone.variables();
    for (const [name, variable] of source.variables()) {
      if (name.endsWith('num_batches_tracked')) continue;
      expect(Array.from(target.get(name)!.dataSync()), name).toEqual(
        Array.from(variable.dataSync()),
      );
    }
    loaded.dispose();
    tf.dispose([...source.variables().values()]);
    const { backboneWeights: _omitted, ...withoutWeights } = tinyConfig();
    expect(() => tinyMethod(withoutWeights as ReturnType<typeof tinyConfig>)).toThrow(
      /fixed, pre-trained CNN, and no backboneWeights was given/,
    );
  });
});
