import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdamWOptimizer, Rng, disposeBatch, selectBackend, type Batch } from '@ssdet/core';
import { ResNet, exportStateDict, writeSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetregMethod } from './method.js';
import { imagePriors, paddedBatchMask } from './padded-batch.js';
import { stepContext, tinyBatch, tinyConfig, tinyMethod } from './test-support/tiny.js';

let dir: string;
let method: DetregMethod;
let batch: Batch;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-detreg-'));
  method = tinyMethod(tinyConfig()).method;
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

function gradients(m: DetregMethod, b: Batch, step: number) {
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

describe('DetregMethod (Deformable DETR)', () => {
  it('builds normalised cxcywh targets with crop slots from the padded image views', () => {
    const view = batch.views['image']!;
    const { sizes, pixelMask, height, width } = paddedBatchMask(view);
    expect(view.images.shape.slice(1, 3)).toEqual([96, 96]);
    sizes.forEach((size, b) => {
      const valid = pixelMask
        .subarray(b * height * width, (b + 1) * height * width)
        .reduce((a, v) => a + v, 0);
      expect(valid).toBe(size.width * size.height);
    });
    const priors = imagePriors(view, sizes);
    for (const image of priors) {
      expect(image.slots.length).toBeGreaterThanOrEqual(2);
      expect(image.boxes.length).toBe(image.slots.length * 4);
      for (const v of image.boxes) expect(v).toBeGreaterThan(0);
      for (const v of image.boxes) expect(v).toBeLessThanOrEqual(1);
      for (const slot of image.slots) expect(slot).toBeLessThan(8);
    }
    expect(batch.views['crops']!.images.shape).toEqual([2, 8 * 32, 32, 3]);
  });

  it('gives a finite loss whose terms (focal, L1, GIoU over layers, embedding) add up to the total', () => {
    const { total, terms, grads } = gradients(method, batch, 0);
    expect(Object.keys(terms).sort()).toEqual([
      'loss_bbox',
      'loss_ce',
      'loss_giou',
      'loss_object_embedding',
    ]);
    expect(Number.isFinite(total)).toBe(true);
    expect(Object.values(terms).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 4);
    tf.dispose([...grads.values()]);
  });

  it('regresses the teacher embedding of exactly the crops in view: layer2 (C3) averaged', () => {
    const view = batch.views['image']!;
    const priors = imagePriors(view, paddedBatchMask(view).sizes);
    const crops = batch.views['crops']!.images;
    const b = 1;
    const slot = priors[b]!.slots[0]!;
    const rows = Int32Array.from([b * 8 + slot]);
    const viaMethod = method.embedCrops(crops, rows, 32);
    const direct = tf.tidy(() => {
      const crop = tf.slice(crops, [b, slot * 32, 0, 0], [1, 32, 32, 3]);
      const c3 = method.model.backbone.forward(crop, { training: false })['C3']!;
      return tf.mean(c3, [1, 2]);
    });
    expect(viaMethod.shape).toEqual([1, 16]);
    expect(method.teacher.embeddingDim).toBe(16);
    expect(Array.from(viaMethod.dataSync())).toEqual(Array.from(direct.dataSync()));
    expect(maxAbs(viaMethod)).toBeGreaterThan(0);
    tf.dispose([viaMethod, direct]);
  });

  it('sends gradients to the transformer, heads, queries and feature_embed — none into the frozen CNN/teacher', () => {
    const trainable = [...method.trainableVariables().keys()];
    const all = method.variables();
    const backbone = [...all.keys()].filter((name) => name.startsWith('backbone.'));
    expect(backbone.length).toBeGreaterThan(50);
    expect(trainable.filter((name) => name.startsWith('backbone.'))).toEqual([]);
    for (const name of backbone) expect(all.get(name)!.trainable, name).toBe(false);
    // The teacher shares the frozen CNN (same weights source): no variables of its own.
    expect([...all.keys()].filter((name) => name.startsWith('teacher.'))).toEqual([]);
    expect(trainable.length).toBe(all.size - backbone.length);

    const { grads } = gradients(method, batch, 1);
    expect([...grads.keys()].sort()).toEqual([...trainable].sort());
    // Deformable DETR's init zeroes bbox_embed's last layer (so nothing flows into its first two)
    // and the sampling_offsets / attention_weights weights (so the positions, level_embed
    // included, reach nothing): exactly these get zero gradients at step 0 — in PyTorch too.
    const zero = [...grads].filter(([, g]) => maxAbs(g) === 0).map(([name]) => name);
    expect(zero.sort()).toEqual([
      'bbox_embed.layers.0.bias',
      'bbox_embed.layers.0.weight',
      'bbox_embed.layers.1.bias',
      'bbox_embed.layers.1.weight',
      'transformer.level_embed',
    ]);
    for (const prefix of [
      'transformer.encoder.',
      'transformer.decoder.',
      'transformer.level_embed',
      'transformer.reference_points.',
      'class_embed.',
      'bbox_embed.',
      'feature_embed.',
      'query_embed.',
      'input_proj.3.',
    ]) {
      expect(
        trainable.some((name) => name.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }

    // One AdamW step: the CNN (weights and FrozenBN buffers) is bit-identical afterwards.
    const before = new Map(backbone.map((name) => [name, Array.from(all.get(name)!.dataSync())]));
    const weight = all.get('transformer.decoder.layers.1.linear1.weight')!;
    const weightBefore = Array.from(weight.dataSync());
    const optimizer = new AdamWOptimizer([...method.parameterGroups()], { weightDecay: 1e-4 });
    optimizer.apply(grads, 1e-3);
    for (const name of backbone)
      expect(Array.from(all.get(name)!.dataSync()), name).toEqual(before.get(name));
    expect(Array.from(weight.dataSync())).not.toEqual(weightBefore);
    optimizer.dispose();
    tf.dispose([...grads.values()]);
  });

  it('puts reference_points and sampling_offsets in a 0.1× learning-rate group (main.py)', () => {
    const groups = method.parameterGroups();
    expect(groups.map((g) => [g.name, g.lrMultiplier])).toEqual([
      ['base', undefined],
      ['linear-proj', 0.1],
    ]);
    const slow = [...groups[1]!.variables.keys()];
    expect(slow).toContain('transformer.reference_points.weight');
    expect(slow).toContain('transformer.decoder.layers.0.cross_attn.sampling_offsets.bias');
    expect(slow).toContain('transformer.encoder.layers.0.self_attn.sampling_offsets.weight');
    expect(slow.every((n) => /reference_points|sampling_offsets/.test(n))).toBe(true);
    expect(groups[0]!.variables.size + slow.length).toBe(method.trainableVariables().size);
  });

  it('leaks no tensor per step', () => {
    tf.dispose([...gradients(method, batch, 2).grads.values()]);
    const before = tf.memory().numTensors;
    tf.dispose([...gradients(method, batch, 3).grads.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("exports the CNN (torchvision names) and the detector with Deformable DETR's names, without class_embed", () => {
    const exports = method.exports();
    expect(Object.keys(exports).sort()).toEqual(['backbone', 'detector']);
    expect(exports['backbone']!.has('conv1.weight')).toBe(true);
    expect(exports['backbone']!.has('layer4.1.bn2.running_var')).toBe(true);
    const detector = [...exports['detector']!.keys()];
    for (const name of [
      'query_embed.weight',
      'bbox_embed.layers.2.bias',
      'feature_embed.layers.1.weight',
      'input_proj.0.0.weight',
      'input_proj.3.1.bias',
      'transformer.level_embed',
      'transformer.reference_points.weight',
      'transformer.decoder.layers.1.cross_attn.sampling_offsets.weight',
    ]) {
      expect(detector, name).toContain(name);
    }
    expect(detector.some((n) => n.startsWith('class_embed') || n.startsWith('backbone'))).toBe(
      false,
    );
  });
});

describe('DetregMethod (DETR variant)', () => {
  it('trains DETR (pre-norm, softmax + eos) with the same embedding loss, every trainable variable reached', async () => {
    const { method: detr } = tinyMethod(
      tinyConfig({
        detector: 'detr',
        transformer: { dModel: 16, numHeads: 2, encoderLayers: 1, decoderLayers: 2 },
      }),
    );
    expect(detr.architecture).toMatchObject({
      detector: 'detr',
      numQueries: 12,
      dimFeedforward: 2048,
      preNorm: true,
      classLoss: 'cross-entropy',
      classWeight: 1,
      costClass: 1,
    });
    const b = await tinyBatch(detr, [
      [100, 80],
      [80, 100],
    ]);
    const { total, terms, grads } = gradients(detr, b, 0);
    expect(Number.isFinite(total)).toBe(true);
    expect(Object.keys(terms).sort()).toEqual([
      'loss_bbox',
      'loss_ce',
      'loss_giou',
      'loss_object_embedding',
    ]);
    expect([...grads.keys()].sort()).toEqual([...detr.trainableVariables().keys()].sort());
    expect(detr.parameterGroups().map((g) => g.name)).toEqual(['base']);
    expect(detr.exports()['detector']!.has('transformer.decoder.norm.weight')).toBe(true);
    tf.dispose([...grads.values()]);
    disposeBatch(b);
    detr.dispose();
  });
});

describe('backboneWeights and teacher.weights', () => {
  it('loads a SwAV-style state dict into the CNN; a different teacher.weights gets its own frozen CNN', async () => {
    const source = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(42) });
    const state = exportStateDict(source, { prefix: 'module.' });
    const file = path.join(dir, 'swav-like.safetensors');
    await writeFile(file, writeSafetensors(state));
    const other = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(7) });
    const teacherFile = path.join(dir, 'teacher.safetensors');
    await writeFile(teacherFile, writeSafetensors(exportStateDict(other)));

    const { method: loaded, logs } = tinyMethod(
      tinyConfig({ backboneWeights: file, teacher: { weights: teacherFile } }),
    );
    const target = loaded.model.backbone.variables();
    const teacher = loaded.teacher.backbone.variables();
    expect(loaded.teacher.backbone).not.toBe(loaded.model.backbone);
    for (const [name, variable] of source.variables()) {
      if (name.endsWith('num_batches_tracked')) continue;
      expect(Array.from(target.get(name)!.dataSync()), name).toEqual(
        Array.from(variable.dataSync()),
      );
      expect(Array.from(teacher.get(name)!.dataSync()), name).toEqual(
        Array.from(other.variables().get(name)!.dataSync()),
      );
    }
    expect(
      [...loaded.variables().keys()].some((n) => n.startsWith('teacher.backbone.layer2.')),
    ).toBe(true);
    expect([...loaded.trainableVariables().keys()].some((n) => n.startsWith('teacher.'))).toBe(
      false,
    );
    const messages = logs.map((e) => (e.type === 'log' ? e.message : '')).join('\n');
    expect(messages).toMatch(/loaded \d+ backboneWeights tensors .* \(prefix "module\." removed\)/);
    expect(messages).toMatch(/loaded \d+ teacher\.weights tensors/);
    loaded.dispose();
    tf.dispose([...source.variables().values(), ...other.variables().values()]);
  });

  it('refuses to build without backboneWeights, and teacher "head" without a SwAV projection head', async () => {
    const { backboneWeights: _omitted, ...withoutWeights } = tinyConfig();
    expect(() => tinyMethod(withoutWeights as ReturnType<typeof tinyConfig>)).toThrow(
      /frozen, pre-trained CNN, and no backboneWeights was given/,
    );
    expect(() => tinyMethod(tinyConfig({ teacher: { embedding: 'head' } }))).toThrow(
      /teacher\.embedding "head" regresses SwAV's projection head/,
    );
    const plain = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(1) });
    const file = path.join(dir, 'plain.safetensors');
    await writeFile(file, writeSafetensors(exportStateDict(plain)));
    expect(() =>
      tinyMethod(tinyConfig({ backboneWeights: file, teacher: { embedding: 'head' } })),
    ).toThrow(/plain\.safetensors: teacher\.embedding "head" needs SwAV's projection head/);
    tf.dispose([...plain.variables().values()]);
  });
});
