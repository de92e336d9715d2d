import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdamWOptimizer, Rng, disposeBatch, selectBackend, type Batch } from '@ssdet/core';
import { ResNet, exportStateDict, writeSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpdetrConfig } from './config.js';
import type { UpdetrMethod } from './method.js';
import { normalisedTargetBoxes, paddedBatchMask } from './method.js';
import { stepContext, tinyBatch, tinyConfig, tinyMethod } from './test-support/tiny.js';

let dir: string;
let method: UpdetrMethod;
let batch: Batch;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-updetr-'));
  // 10 queries for 5 patches: Q/M = 2 < M, the case the official mask loop gets wrong.
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

function gradients(m: UpdetrMethod, b: Batch, step: number) {
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

describe('UpdetrMethod', () => {
  it("crops the padded canvases to the batch's largest image with DETR's pixel mask and normalises the targets", () => {
    const view = batch.views['image']!;
    const { sizes, pixelMask, height, width } = paddedBatchMask(view);
    expect(view.images.shape.slice(1, 3)).toEqual([96, 96]);
    expect(height).toBe(Math.max(...sizes.map((s) => s.height)));
    expect(width).toBe(Math.max(...sizes.map((s) => s.width)));
    sizes.forEach((size, b) => {
      const valid = pixelMask
        .subarray(b * height * width, (b + 1) * height * width)
        .reduce((a, v) => a + v, 0);
      expect(valid).toBe(size.width * size.height);
    });
    const boxes = normalisedTargetBoxes(view, sizes, 5);
    for (const image of boxes) {
      for (const v of image) expect(v).toBeGreaterThan(0);
      for (const v of image) expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('gives a finite loss whose terms (CE, L1, GIoU, L_feat summed over layers) add up to the total', () => {
    const { total, terms, grads } = gradients(method, batch, 0);
    expect(Object.keys(terms).sort()).toEqual([
      'loss_bbox',
      'loss_ce',
      'loss_feature',
      'loss_giou',
    ]);
    expect(Number.isFinite(total)).toBe(true);
    expect(Object.values(terms).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 4);
    tf.dispose([...grads.values()]);
  });

  it('sends gradients to the transformer, heads, patch2query and query_embed — and none into the frozen CNN', () => {
    const trainable = [...method.trainableVariables().keys()];
    const all = method.variables();
    const backbone = [...all.keys()].filter((name) => name.startsWith('backbone.'));
    expect(backbone.length).toBeGreaterThan(50);
    expect(trainable.filter((name) => name.startsWith('backbone.'))).toEqual([]);
    for (const name of backbone) expect(all.get(name)!.trainable, name).toBe(false);
    expect(trainable.length).toBe(all.size - backbone.length);

    const { grads } = gradients(method, batch, 1);
    expect([...grads.keys()].sort()).toEqual([...trainable].sort());
    // With tgt = 0 and pre-norm, the first decoder layer's self-attention sees LN(0) = its bias
    // (0 at initialisation), so its q/k/v weights, out_proj and norm1/norm2 gains get exactly zero
    // gradient at step 0 — in PyTorch too. Every other parameter gets a non-zero one.
    const zero = [...grads]
      .filter(([, g]) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0)
      .map(([name]) => name);
    expect(zero.filter((name) => !name.startsWith('transformer.decoder.layers.0.'))).toEqual([]);
    expect(zero.length).toBeLessThan(6);
    for (const prefix of [
      'transformer.encoder.',
      'transformer.decoder.',
      'class_embed.',
      'bbox_embed.',
      'feature_align.',
      'patch2query.',
      'query_embed.',
      'input_proj.',
    ]) {
      expect(
        trainable.some((name) => name.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }

    // One AdamW step: the CNN (weights and FrozenBN buffers) is bit-identical afterwards.
    const before = new Map(backbone.map((name) => [name, Array.from(all.get(name)!.dataSync())]));
    const decoderWeight = all.get('transformer.decoder.layers.1.linear1.weight')!;
    const decoderBefore = Array.from(decoderWeight.dataSync());
    const optimizer = new AdamWOptimizer(
      [{ name: 'all', variables: method.trainableVariables() }],
      {
        weightDecay: 1e-4,
      },
    );
    optimizer.apply(grads, 1e-3);
    for (const name of backbone)
      expect(Array.from(all.get(name)!.dataSync()), name).toEqual(before.get(name));
    expect(Array.from(decoderWeight.dataSync())).not.toEqual(decoderBefore);
    optimizer.dispose();
    tf.dispose([...grads.values()]);
  });

  it('trains layer2–layer4 of the CNN (FrozenBN still) when backbone.frozen is false', () => {
    const { method: unfrozen } = tinyMethod(
      tinyConfig({ backbone: { arch: 'resnet18', widthMultiplier: 0.125, frozen: false } }),
    );
    const trainable = [...unfrozen.trainableVariables().keys()].filter((n) =>
      n.startsWith('backbone.'),
    );
    expect(trainable.some((n) => n.startsWith('backbone.layer4.'))).toBe(true);
    expect(trainable.some((n) => /^backbone\.(conv1|bn1|layer1)\./.test(n))).toBe(false);
    expect(trainable.some((n) => n.includes('running_mean') || n.includes('bn'))).toBe(false);
    unfrozen.dispose();
  });

  it('leaks no tensor per step', () => {
    tf.dispose([...gradients(method, batch, 2).grads.values()]);
    const before = tf.memory().numTensors;
    tf.dispose([...gradients(method, batch, 3).grads.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exports the CNN with torchvision names and the detector (transformer + heads + queries)', () => {
    const exports = method.exports();
    expect(Object.keys(exports).sort()).toEqual(['backbone', 'detector']);
    expect(exports['backbone']!.has('conv1.weight')).toBe(true);
    expect(exports['backbone']!.has('layer4.1.bn2.running_var')).toBe(true);
    const detector = [...exports['detector']!.keys()];
    for (const name of [
      'query_embed.weight',
      'patch2query.weight',
      'class_embed.weight',
      'bbox_embed.layers.2.bias',
      'feature_align.layers.1.weight',
      'input_proj.weight',
    ]) {
      expect(detector, name).toContain(name);
    }
    expect(detector.some((n) => n.startsWith('transformer.decoder.layers.1.'))).toBe(true);
    expect(detector.some((n) => n.startsWith('backbone'))).toBe(false);
  });
});

describe('backboneWeights', () => {
  it('loads a torchvision-named state dict with a "module." prefix (SwAV style), ignoring extra heads', async () => {
    const source = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(42) });
    const state = exportStateDict(source, { prefix: 'module.' });
    state.set('module.prototypes.weight', {
      dtype: 'F32',
      shape: [2, 2],
      data: new Float32Array(4),
    });
    const file = path.join(dir, 'swav-like.safetensors');
    await writeFile(file, writeSafetensors(state));
    const { method: loaded, logs } = tinyMethod(tinyConfig({ backboneWeights: file }));
    const target = loaded.model.backbone.variables();
    for (const [name, variable] of source.variables()) {
      if (name.endsWith('num_batches_tracked')) continue; // FrozenBN has none
      expect(Array.from(target.get(name)!.dataSync()), name).toEqual(
        Array.from(variable.dataSync()),
      );
    }
    const messages = logs
      .map((e) => (e.type === 'log' ? `${e.level}: ${e.message}` : ''))
      .join('\n');
    expect(messages).toMatch(
      /info: UP-DETR: loaded \d+ backbone tensors .* \(prefix "module\." removed\)/,
    );
    expect(logs.some((e) => e.type === 'log' && e.level === 'warn')).toBe(false);
    loaded.dispose();
    tf.dispose([...source.variables().values()]);
  });

  it('refuses to build without backboneWeights, and rejects a file that does not fit the backbone', async () => {
    const { backboneWeights: _omitted, ...withoutWeights } = tinyConfig();
    expect(() => tinyMethod(withoutWeights as UpdetrConfig)).toThrow(
      /frozen, pre-trained CNN, and no backboneWeights was given/,
    );
    const wide = new ResNet({ depth: 18, widthMultiplier: 0.25, rng: Rng.fromSeed(1) });
    const file = path.join(dir, 'wide.safetensors');
    await writeFile(file, writeSafetensors(exportStateDict(wide)));
    expect(() => tinyMethod(tinyConfig({ backboneWeights: file }))).toThrow(
      /backboneWeights .*wide\.safetensors: does not fit backbone .*conv1\.weight is \[/,
    );
    expect(() => tinyMethod(tinyConfig({ backboneWeights: path.join(dir, 'none.pth') }))).toThrow(
      /backboneWeights .*none\.pth: no such file or run directory/,
    );
    tf.dispose([...wide.variables().values()]);
  });
});
