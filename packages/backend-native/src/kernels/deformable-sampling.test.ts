import { selectBackend } from '@ssdet/core';
import { MS_DEFORM_ATTN, MS_DEFORM_ATTN_GRAD, msDeformAttnCore } from '@ssdet/detr';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';
import { MS_DEFORM_ATTN_GRAD_KERNEL, MS_DEFORM_ATTN_KERNEL } from './deformable-sampling.js';

it('implements the kernels @ssdet/detr calls', () => {
  expect(MS_DEFORM_ATTN_KERNEL).toBe(MS_DEFORM_ATTN);
  expect(MS_DEFORM_ATTN_GRAD_KERNEL).toBe(MS_DEFORM_ATTN_GRAD);
});

describe(`multi-scale deformable attention sampling in C++${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  const cases = [
    { batch: 1, length: 35, heads: 1, dim: 3, queries: 4, points: 1, shapes: [[7, 5]] },
    {
      batch: 2,
      length: 54 + 15 + 4 + 1,
      heads: 3,
      dim: 8,
      queries: 9,
      points: 4,
      shapes: [
        [6, 9],
        [3, 5],
        [2, 2],
        [1, 1],
      ],
    },
  ] as const;

  for (const c of cases) {
    it.skipIf(!nativeBuilt)(
      `output and all three gradients equal the cpu loops: ${c.shapes.length} level(s), ${c.heads} head(s), ${c.points} point(s)`,
      () => {
        const levels = c.shapes.length;
        expectBackendsAgree(() => {
          const value = randomTensor([c.batch, c.length, c.heads, c.dim], 1) as tf.Tensor4D;
          // Normal locations around the centre reach past every edge of the maps.
          const locations = tf.add(
            tf.mul(randomTensor([c.batch, c.queries, c.heads, levels, c.points, 2], 2), 0.6),
            0.5,
          );
          const attention = tf.softmax(
            randomTensor([c.batch, c.queries, c.heads, levels, c.points], 3),
          );
          const cotangent = randomTensor([c.batch, c.queries, c.heads * c.dim], 4);
          const shapes = c.shapes.map(([h, w]) => [h, w] as const);
          const out = msDeformAttnCore(value, shapes, locations, attention);
          const grads = tf.grads((v: tf.Tensor, l: tf.Tensor, a: tf.Tensor) =>
            tf.sum(tf.mul(msDeformAttnCore(v as tf.Tensor4D, shapes, l, a), cotangent)),
          )([value, locations, attention]);
          return [out, ...grads];
        }, ['deformableSamplingForward', 'deformableSamplingBackward']);
      },
    );
  }
});
