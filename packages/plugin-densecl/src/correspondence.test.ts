import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseCorrespondence } from './correspondence.js';
import { lossLambdaAt } from './loss-lambda.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** `[1, 1, P, C]` maps from P feature vectors (a 1 × P "image"). */
const map = (vectors: number[][]): tf.Tensor4D => tf.tensor4d([[vectors]]);

function matches(query: number[][], key: number[][]): number[] {
  return tf.tidy(() => Array.from(denseCorrespondence(map(query), map(key)).dataSync()));
}

describe('denseCorrespondence', () => {
  it('recovers a permutation of positions', () => {
    const features = [
      [1, 0.2, 0],
      [0, 1, 0.3],
      [0.1, 0, 1],
      [1, 1, 1],
    ];
    const order = [2, 0, 3, 1];
    expect(
      matches(
        features,
        order.map((i) => features[i]!),
      ),
    ).toEqual([1, 3, 0, 2]);
  });

  it('uses cosine similarity, not the dot product: a long key vector does not win by length', () => {
    // For q_0 = y: dot products 2 (key 0) vs 1 (key 1); cosines 0.196 vs 0.995.
    expect(
      matches(
        [
          [0, 1],
          [1, 0],
        ],
        [
          [10, 2],
          [0.1, 1],
        ],
      ),
    ).toEqual([1, 0]);
  });

  it('gives each query position its best key position (rows are query positions)', () => {
    // Both query positions are closest to key 0; the transposed reading would give [0, 1].
    expect(
      matches(
        [
          [1, 0],
          [0.9, 0.1],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).toEqual([0, 0]);
  });

  it('numbers positions row-major (h·S + w) and matches within each image', () => {
    const result = tf.tidy(() => {
      // Two images of 2 × 2 positions; key = query with rows swapped (image 0) or identical (image 1).
      const q = tf.tensor4d([
        [
          [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
          ],
          [
            [0, 0, 1, 0],
            [0, 0, 0, 1],
          ],
        ],
        [
          [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
          ],
          [
            [0, 0, 1, 0],
            [0, 0, 0, 1],
          ],
        ],
      ]);
      const k = tf.stack([
        tf.reverse(q.slice([0], [1]).squeeze([0]), 0),
        q.slice([1], [1]).squeeze([0]),
      ]) as tf.Tensor4D;
      return denseCorrespondence(q, k).arraySync();
    });
    expect(result).toEqual([
      [2, 3, 0, 1],
      [0, 1, 2, 3],
    ]);
  });
});

describe('lossLambdaAt (DenseCLWarmupHook)', () => {
  it('is 0 for steps before warmupSteps, then λ; always λ without warm-up', () => {
    expect([0, 999, 1000, 5000].map((step) => lossLambdaAt(step, 0.5, 1000))).toEqual([
      0, 0, 0.5, 0.5,
    ]);
    expect(lossLambdaAt(0, 0.5, 0)).toBe(0.5);
  });
});
