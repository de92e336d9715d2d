import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { stepContext, tinyBatch, tinyConfig, tinyMethod } from './test-support/tiny.js';
import { CROPS_A, VIEW_A, VIEW_B } from './views.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const TERMS = ['loss_bbox', 'loss_ce', 'loss_feature', 'loss_giou', 'loss_global'];

describe('SiameseDetrMethod (vanilla DETR)', () => {
  it('gives a finite loss whose weighted terms sum to it; gradients reach every trainable variable and never the CNN', async () => {
    const method = tinyMethod(tinyConfig());
    const batch = await tinyBatch(method, [
      [120, 90],
      [90, 110],
    ]);
    expect(batch.views[VIEW_A]!.boxes!.shape).toEqual([2, 5, 4]);
    expect(batch.views[CROPS_A]!.images.shape).toEqual([2, 5 * 32, 32, 3]);
    const trainable = method.trainableVariables();
    expect([...trainable.keys()].some((name) => name.startsWith('backbone.'))).toBe(false);
    for (const name of [
      'patch2query.weight',
      'query_embed.weight',
      'class_embed.weight',
      'bbox_embed.layers.2.weight',
      'feature_align.layers.1.weight',
      'global_head.projector.mlp.0.weight',
      'global_head.predictor.mlp.3.weight',
      'input_proj.weight',
    ]) {
      expect(trainable.has(name), name).toBe(true);
    }
    const before = tf.memory().numTensors;
    let terms: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = method.loss(batch, stepContext(1));
      terms = Object.fromEntries(Object.entries(out.terms).map(([k, v]) => [k, v.dataSync()[0]!]));
      return out.total;
    }, [...trainable.values()]);
    const total = value.dataSync()[0]!;
    expect(Number.isFinite(total)).toBe(true);
    expect(Object.keys(terms).sort()).toEqual(TERMS);
    expect(Object.values(terms).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 3);
    for (const [name, variable] of trainable) {
      const grad = grads[variable.name];
      expect(grad, name).toBeDefined();
      expect(Array.from(grad!.dataSync()).every(Number.isFinite), name).toBe(true);
    }
    const norm = (name: string) =>
      tf.tidy(() => tf.norm(grads[trainable.get(name)!.name]!).dataSync()[0]!);
    for (const name of [
      'patch2query.weight',
      'feature_align.layers.1.weight',
      'global_head.projector.mlp.0.weight',
      'input_proj.weight',
    ]) {
      expect(norm(name), name).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
    tf.dispose(
      Object.values(batch.views).flatMap((v) => [
        v.images,
        ...(v.boxes ? [v.boxes] : []),
        ...(v.boxIds ? [v.boxIds] : []),
      ]),
    );
  });

  it('exports the frozen CNN and a DETR-named detector', () => {
    const method = tinyMethod(tinyConfig());
    const exported = method.exports();
    expect(Object.keys(exported).sort()).toEqual(['backbone', 'detector']);
    const detector = exported['detector']!;
    expect(detector.get('query_embed.weight')!.shape).toEqual([10, 32]);
    expect(detector.has('transformer.encoder.layers.0.self_attn.in_proj_weight')).toBe(true);
    expect(exported['backbone']!.has('conv1.weight')).toBe(true);
    method.dispose();
  });
});

describe('SiameseDetrMethod (Deformable DETR, multi-scale)', () => {
  it('trains C3–C5 + a stride-2 level, with query_embed [Q, 2d] = [object queries ‖ decoder input] as Deformable DETR', async () => {
    const method = tinyMethod(tinyConfig({ detector: 'deformable-detr' }));
    expect(method.architecture.levels).toEqual(['C3', 'C4', 'C5']);
    const batch = await tinyBatch(
      method,
      [
        [100, 80],
        [80, 100],
      ],
      1,
    );
    const trainable = method.trainableVariables();
    expect(trainable.get('query_embed.weight')!.shape).toEqual([10, 64]);
    // RoIAlign on C3, C4, C5 concatenated: 16 + 32 + 64 channels at width 1/8.
    expect(trainable.get('patch2query.weight')!.shape).toEqual([112, 32]);
    expect(trainable.get('global_head.projector.mlp.0.weight')!.shape).toEqual([96, 16]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => method.loss(batch, stepContext(2)).total,
      [...trainable.values()],
    );
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    // Both halves learn: the object queries (added to the regions) and the decoder's input.
    const [pos, tgt] = tf.tidy(() => {
      const grad = grads[trainable.get('query_embed.weight')!.name]!;
      return [0, 32].map((at) => tf.norm(tf.slice(grad, [0, at], [-1, 32])).dataSync()[0]!);
    });
    expect(pos).toBeGreaterThan(0);
    expect(tgt).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);

    expect(method.exports()['detector']!.get('query_embed.weight')).toBe(
      trainable.get('query_embed.weight'),
    );
    method.dispose();
  });

  it("first-image queries: every image decodes image 0's region queries (the official indexing)", async () => {
    const config = tinyConfig({ detector: 'deformable-detr', deformableQueries: 'first-image' });
    const method = tinyMethod(config);
    const ours = tinyMethod(tinyConfig({ detector: 'deformable-detr' }));
    const batch = await tinyBatch(method, [
      [100, 80],
      [80, 100],
    ]);
    const view = batch.views[VIEW_B]!;
    const outputs = (model: typeof method.model, queries: number[][][]) =>
      tf.tidy(() => {
        const images = tf.slice(view.images, [0, 0, 0, 0], [2, 96, 96, 3]);
        const features = model.backbone.forward(images, { training: false });
        return model
          .decode({
            features,
            pixelMask: tf.ones([2, 96, 96]),
            queryPos: tf.tensor3d(queries),
            training: false,
          })
          .outputs.boxes.arraySync() as number[][][];
      });
    const random = (seed: number) =>
      Array.from({ length: 10 }, (_, q) =>
        Array.from({ length: 32 }, (_, c) => Math.sin(seed * 7 + q * 3 + c)),
      );
    const a = outputs(method.model, [random(1), random(2)]);
    const b = outputs(method.model, [random(1), random(3)]);
    // Image 1's own queries are ignored: changing them changes nothing.
    expect(b[1]).toEqual(a[1]);
    const c = outputs(ours.model, [random(1), random(2)]);
    const d = outputs(ours.model, [random(1), random(3)]);
    expect(d[1]).not.toEqual(c[1]);
    method.dispose();
    ours.dispose();
  });
});
