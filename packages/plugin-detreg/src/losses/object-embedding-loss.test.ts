import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { HungarianMatcher, SetCriterion } from '@ssdet/detr';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  objectEmbeddingLoss,
  objectEmbeddingTerm,
  type PriorTarget,
} from './object-embedding-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('objectEmbeddingLoss', () => {
  it('is the element-wise mean of |ẑ − z| (F.l1_loss, reduction mean)', () => {
    const value = tf.tidy(
      () =>
        objectEmbeddingLoss(
          tf.tensor2d([
            [1, 2, 3],
            [0, 0, 0],
          ]),
          tf.tensor2d([
            [1, 0, 4],
            [-1, 0, 2],
          ]),
        ).dataSync()[0]!,
    );
    // |0| + |2| + |−1| + |1| + |0| + |−2| = 6 over 6 elements.
    expect(value).toBeCloseTo(1, 6);
  });

  it('is applied on the last decoder layer only, to the matched queries, and its gradient is sign/N·E', () => {
    // One image, two priors, three queries whose boxes equal priors 1 and 0 exactly (queries 2, 0).
    const prior = [
      [0.3, 0.3, 0.2, 0.2],
      [0.7, 0.6, 0.3, 0.4],
    ];
    const boxes = tf.tensor3d([[prior[1]!, [0.5, 0.5, 0.1, 0.1], prior[0]!]]);
    const logits = tf.zeros([1, 3, 2]) as tf.Tensor3D;
    const features = tf.tensor3d([
      [
        [1, 2],
        [5, 5],
        [0, 0],
      ],
    ]);
    const target: PriorTarget = {
      labels: [1, 1],
      boxes: tf.tensor2d(prior),
      embeddings: tf.tensor2d([
        [1, -1],
        [3, 1],
      ]),
    };
    const criterion = new SetCriterion<PriorTarget>({
      numClasses: 2,
      matcher: new HungarianMatcher({ costClass: 2, costBbox: 5, costGiou: 2, classCost: 'focal' }),
      classLoss: 'focal',
      weights: { class: 2, bbox: 5, giou: 2 },
      extraLosses: [objectEmbeddingTerm(1)],
    });
    const grad = tf.grad((f: tf.Tensor) => {
      const out = criterion.compute(
        {
          logits,
          boxes,
          extras: { features: f },
          aux: [{ logits, boxes }],
        },
        [target],
      );
      // Query 0 ↔ prior 1: |1−3| + |2−1| = 3; query 2 ↔ prior 0: |0−1| + |0+1| = 2 → 5 / 4.
      expect(out.unweighted['loss_object_embedding']!.dataSync()[0]).toBeCloseTo(1.25, 6);
      expect(Object.keys(out.unweighted)).not.toContain('loss_object_embedding_0');
      return out.unweighted['loss_object_embedding']!;
    })(features);
    expect(Array.from(grad.dataSync())).toEqual([-0.25, 0.25, 0, 0, -0.25, 0.25]);
    tf.dispose([boxes, logits, features, target.boxes, target.embeddings, grad]);
  });
});
