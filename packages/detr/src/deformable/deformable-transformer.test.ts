import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HungarianMatcher } from '../matcher/hungarian-matcher.js';
import { SetCriterion } from '../criterion/set-criterion.js';
import { sinePositionEmbedding } from '../position/sine-position-embedding.js';
import { DetectionHead } from '../transformer/detection-head.js';
import { QueryEmbedding } from '../transformer/query-embedding.js';
import { DeformableTransformer } from './deformable-transformer.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('DeformableTransformer', () => {
  it('multi-scale: shapes, official names, trains end to end through the focal criterion without leaks', () => {
    const rng = Rng.fromSeed(11);
    const d = 16;
    const transformer = new DeformableTransformer({
      dModel: d,
      dimFeedforward: 32,
      numLevels: 2,
      numHeads: 4,
      numPoints: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      rng,
    });
    const queries = new QueryEmbedding(5, 2 * d, rng);
    const head = new DetectionHead({ dModel: d, numLogits: 2, rng, deformableInit: true });
    const names = [...transformer.variables().keys()];
    expect(names).toContain('level_embed');
    expect(names).toContain('encoder.layers.0.self_attn.sampling_offsets.weight');
    expect(names).toContain('decoder.layers.1.cross_attn.value_proj.bias');
    expect(names).toContain('decoder.layers.1.self_attn.in_proj_weight');
    expect(names).toContain('reference_points.weight');
    const criterion = new SetCriterion({
      numClasses: 2,
      matcher: new HungarianMatcher({ classCost: 'focal', costClass: 2 }),
      classLoss: 'focal',
      weights: { class: 2 },
    });
    const srcs = [
      tf.randomNormal([2, 4, 4, d], 0, 1, 'float32', 1),
      tf.randomNormal([2, 2, 2, d], 0, 1, 'float32', 2),
    ] as tf.Tensor4D[];
    const pixelMasks = [tf.ones([2, 4, 4]), tf.ones([2, 2, 2])] as tf.Tensor3D[];
    const posEmbeds = pixelMasks.map((m) =>
      sinePositionEmbedding(m, { numPosFeats: d / 2, offset: -0.5 }),
    );
    const targets = [
      { labels: [1], boxes: tf.tensor2d([[0.5, 0.5, 0.2, 0.3]]) },
      {
        labels: [0, 1],
        boxes: tf.tensor2d([
          [0.3, 0.3, 0.2, 0.2],
          [0.7, 0.6, 0.3, 0.3],
        ]),
      },
    ];
    const trainable = [
      ...transformer.variables().values(),
      ...queries.variables().values(),
      ...head.variables().values(),
    ];
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const out = transformer.apply({
        srcs,
        pixelMasks,
        posEmbeds,
        queryEmbed: queries.embeddings,
        training: true,
        rng,
      });
      expect(out.hs.shape).toEqual([2, 2, 5, d]);
      expect(out.memory.shape).toEqual([2, 20, d]);
      expect(out.referencePoints.shape).toEqual([2, 5, 2]);
      const predictions = head.apply(out.hs, out.referencePoints);
      expect(predictions.aux).toHaveLength(1);
      return criterion.compute(predictions, targets).total;
    }, trainable);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    for (const name of [
      'encoder.layers.0.self_attn.value_proj.weight',
      'decoder.layers.0.cross_attn.sampling_offsets.weight',
      'encoder.layers.0.self_attn.sampling_offsets.bias',
    ]) {
      const grad = grads[transformer.variables().get(name)!.name]!;
      expect(
        tf.tidy(() => tf.sum(tf.abs(grad)).dataSync()[0]),
        name,
      ).toBeGreaterThan(0);
    }
    // level_embed only reaches the output through the offset/attention projections, which start at zero (official init).
    expect(grads[queries.weight.name]).toBeDefined();
    value.dispose();
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...srcs, ...pixelMasks, ...posEmbeds, ...targets.map((t) => t.boxes)]);
  });

  it('rejects a level count that differs from the build', () => {
    const transformer = new DeformableTransformer({
      dModel: 8,
      numLevels: 2,
      numHeads: 2,
      numPoints: 1,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      rng: Rng.fromSeed(1),
    });
    tf.tidy(() => {
      expect(() =>
        transformer.apply({
          srcs: [tf.zeros([1, 2, 2, 8]) as tf.Tensor4D],
          pixelMasks: [tf.ones([1, 2, 2]) as tf.Tensor3D],
          posEmbeds: [tf.zeros([1, 2, 2, 8]) as tf.Tensor4D],
          queryEmbed: tf.zeros([3, 16]),
          training: false,
        }),
      ).toThrow(/built for 2 levels; got 1 srcs/);
    });
  });
});
