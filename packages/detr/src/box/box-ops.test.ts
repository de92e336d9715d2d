import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { readFixture } from '../test-support/fixtures.js';
import { boxArea } from './box-area.js';
import { cxcywhToXyxy, xyxyToCxcywh } from './box-convert.js';
import { pairwiseBoxIou } from './box-iou.js';
import { generalizedBoxIou, pairedGeneralizedBoxIou } from './generalized-iou.js';

interface GiouFixture {
  giou: { a: StoredArray; b: StoredArray; giou: StoredArray; iou: StoredArray };
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('box conversions', () => {
  it('cxcywh → xyxy → cxcywh round-trips and matches the formula', () => {
    tf.tidy(() => {
      const boxes = tf.tensor2d([
        [0.5, 0.5, 0.2, 0.4],
        [0.1, 0.9, 0.3, 0.1],
      ]);
      const xyxy = cxcywhToXyxy(boxes);
      expectClose(
        xyxy,
        tf.tensor2d([
          [0.4, 0.3, 0.6, 0.7],
          [-0.05, 0.85, 0.25, 0.95],
        ]),
        1e-6,
      );
      expectClose(xyxyToCxcywh(xyxy), boxes, 1e-6);
      expectClose(boxArea(xyxy), tf.tensor1d([0.08, 0.03]), 1e-6);
    });
  });

  it('works on [B, Q, 4]', () => {
    tf.tidy(() => {
      const boxes = tf.randomUniform([2, 3, 4]);
      expect(cxcywhToXyxy(boxes).shape).toEqual([2, 3, 4]);
    });
  });
});

describe('IoU and GIoU equal DETR util/box_ops (PyTorch)', () => {
  const fixture = readFixture<GiouFixture>('criterion.json').giou;

  it('pairwise IoU and GIoU within 1e-5', () => {
    tf.tidy(() => {
      const a = toTensor<tf.Rank.R2>(fixture.a);
      const b = toTensor<tf.Rank.R2>(fixture.b);
      expectClose(pairwiseBoxIou(a, b).iou, fixture.iou, 1e-5);
      const giou = generalizedBoxIou(a, b);
      expectClose(giou, fixture.giou, 1e-5);
      // identical boxes (row 0 of both) → 1; a disjoint box → negative
      expect(giou.arraySync()[0]![0]).toBeCloseTo(1, 5);
      expect(Math.max(...giou.arraySync().map((row) => row[1]!))).toBeLessThan(0);
    });
  });

  it('paired GIoU is the diagonal of the pairwise matrix', () => {
    tf.tidy(() => {
      const a = tf.slice(toTensor<tf.Rank.R2>(fixture.a), [0, 0], [5, 4]);
      const b = toTensor<tf.Rank.R2>(fixture.b);
      const diagonal = tf.tensor1d(
        generalizedBoxIou(a, b)
          .arraySync()
          .map((row, i) => row[i]!),
      );
      expectClose(pairedGeneralizedBoxIou(a, b), diagonal, 1e-6);
    });
  });

  it('GIoU is differentiable w.r.t. both box sets', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([[0.1, 0.1, 0.5, 0.6]]);
      const b = tf.tensor2d([[0.3, 0.2, 0.8, 0.9]]);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(pairedGeneralizedBoxIou(x as tf.Tensor2D, y as tf.Tensor2D)),
      )([a, b]);
      expect(tf.sum(tf.abs(ga!)).dataSync()[0]).toBeGreaterThan(0);
      expect(tf.sum(tf.abs(gb!)).dataSync()[0]).toBeGreaterThan(0);
    });
  });
});
