import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { readFixture, toBool } from '../test-support/fixtures.js';
import { blockDiagonalAttentionMask, groupAttentionMask } from './attention-mask.js';
import { MultiheadAttention } from './multihead-attention.js';

interface AttentionFixture {
  embedDim: number;
  numHeads: number;
  weights: Record<string, StoredArray>;
  query: StoredArray;
  key: StoredArray;
  value: StoredArray;
  keyPaddingMask: StoredArray;
  boolMask: StoredArray;
  floatMask: StoredArray;
  cases: Record<
    'plain' | 'padding_and_bool_mask' | 'float_mask',
    { output: StoredArray; weights: StoredArray }
  >;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('MultiheadAttention equals torch.nn.MultiheadAttention', () => {
  const fixture = readFixture<AttentionFixture>('attention.json');
  const attention = new MultiheadAttention({
    embedDim: fixture.embedDim,
    numHeads: fixture.numHeads,
    rng: Rng.fromSeed(1),
  });
  assignStoredWeights(attention.variables(), fixture.weights);

  const run = (masks: { keyPaddingMask?: tf.Tensor2D; attnMask?: tf.Tensor }) =>
    attention.apply(toTensor(fixture.query), toTensor(fixture.key), toTensor(fixture.value), {
      training: false,
      needWeights: true,
      ...masks,
    });

  it('without masks (outputs and head-averaged weights within 1e-4)', () => {
    tf.tidy(() => {
      const { output, weights } = run({});
      expectClose(output, fixture.cases.plain.output);
      expectClose(weights!, fixture.cases.plain.weights);
    });
  });

  it('with key_padding_mask and a boolean attn_mask', () => {
    tf.tidy(() => {
      const { output, weights } = run({
        keyPaddingMask: toBool(fixture.keyPaddingMask),
        attnMask: toBool(fixture.boolMask),
      });
      expectClose(output, fixture.cases.padding_and_bool_mask.output);
      expectClose(weights!, fixture.cases.padding_and_bool_mask.weights);
    });
  });

  it('with an additive float attn_mask', () => {
    tf.tidy(() => {
      const { output } = run({ attnMask: toTensor(fixture.floatMask) });
      expectClose(output, fixture.cases.float_mask.output);
    });
  });

  it('dropout is active only in training and reproducible from the Rng', () => {
    const dropping = new MultiheadAttention({
      embedDim: 8,
      numHeads: 2,
      dropout: 0.5,
      rng: Rng.fromSeed(2),
    });
    tf.tidy(() => {
      const x = tf.randomNormal([1, 6, 8], 0, 1, 'float32', 3) as tf.Tensor3D;
      const evalA = dropping.apply(x, x, x, { training: false }).output;
      const evalB = dropping.apply(x, x, x, { training: false }).output;
      expectClose(evalA, evalB, 0);
      const trainA = dropping.apply(x, x, x, { training: true, rng: Rng.fromSeed(7) }).output;
      const trainB = dropping.apply(x, x, x, { training: true, rng: Rng.fromSeed(7) }).output;
      expectClose(trainA, trainB, 0);
      expect(tf.max(tf.abs(tf.sub(trainA, evalA))).dataSync()[0]).toBeGreaterThan(1e-3);
    });
  });
});

describe('attention masks', () => {
  it('block-diagonal masks allow exactly the own group', () => {
    const mask = blockDiagonalAttentionMask(6, 3);
    expect(mask.dtype).toBe('bool');
    // bool tensors read back as 0/1; 1 = blocked
    expect(mask.arraySync()).toEqual([
      [0, 0, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
      [1, 1, 0, 0, 1, 1],
      [1, 1, 0, 0, 1, 1],
      [1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 0, 0],
    ]);
    mask.dispose();
  });

  it('more groups than queries per group (UP-DETR 100 queries / 20 patches) leaves no row fully blocked', () => {
    const mask = blockDiagonalAttentionMask(100, 20);
    const rows = mask.arraySync();
    expect(rows.every((row) => row.filter((blocked) => Number(blocked) === 0).length === 5)).toBe(
      true,
    );
    mask.dispose();
  });

  it('rejects a group count that does not divide the queries', () => {
    expect(() => blockDiagonalAttentionMask(10, 3)).toThrow(/multiple of numGroups/);
  });

  it('group ids need not be contiguous', () => {
    const mask = groupAttentionMask([0, 1, 0]);
    expect(mask.arraySync()).toEqual([
      [0, 1, 0],
      [1, 0, 1],
      [0, 1, 0],
    ]);
    mask.dispose();
  });
});
