import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d } from '../layers/batch-norm-2d.js';
import { encodeInGroups, replicaForwardOptions } from './shuffle-bn.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** Image i is a 1×1 "image" whose pixels are all i: easy to follow through the groups. */
const images = (n: number): tf.Tensor4D =>
  tf.tile(tf.range(0, n).reshape([n, 1, 1, 1]), [1, 1, 1, 3]) as tf.Tensor4D;

/** Like BatchNorm's centring: subtract the group's mean; also report the group's mean. */
const centre = (x: tf.Tensor4D) => {
  const values = tf.reshape(tf.slice(x, [0, 0, 0, 0], [-1, 1, 1, 1]), [-1]);
  return {
    centred: tf.sub(values, tf.mean(values)),
    groupMean: tf.mul(tf.onesLike(values), tf.mean(values)),
  };
};

describe('encodeInGroups (shuffle-BN in one process)', () => {
  it('without an order, normalises consecutive groups', () => {
    const out = tf.tidy(() => encodeInGroups(images(6), 2, centre).groupMean.arraySync());
    expect(out).toEqual([1, 1, 1, 4, 4, 4]);
  });

  it('with an order, groups the permuted images and returns outputs in the original order', () => {
    const order = [5, 0, 3, 1, 4, 2]; // groups {5, 0, 3} (mean 8/3) and {1, 4, 2} (mean 7/3)
    const { centred, groupMean } = tf.tidy(() => {
      const result = encodeInGroups(images(6), 2, centre, order);
      return {
        centred: result.centred.arraySync() as number[],
        groupMean: result.groupMean.arraySync() as number[],
      };
    });
    const a = 8 / 3;
    const b = 7 / 3;
    const expectedMeans = [a, b, b, a, b, a];
    groupMean.forEach((value, i) => expect(value).toBeCloseTo(expectedMeans[i]!, 5));
    centred.forEach((value, i) => expect(value).toBeCloseTo(i - expectedMeans[i]!, 5));
  });

  it('with one group is a single pass over the whole batch', () => {
    const out = tf.tidy(() =>
      encodeInGroups(images(4), 1, centre, [3, 2, 1, 0]).groupMean.arraySync(),
    );
    expect(out).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  it('rejects a batch the groups do not divide, and an order that is not a permutation', () => {
    const x = images(6);
    expect(() => encodeInGroups(x, 4, centre)).toThrow(
      /batch of 6 images into shuffleBnGroups = 4 equal groups/,
    );
    expect(() => encodeInGroups(x, 2, centre, [0, 0, 1, 2, 3, 4])).toThrow(/permutation of 0…5/);
    x.dispose();
  });

  it('updates BatchNorm running statistics once per step, from group 0 as rank 0 does', () => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    const order = [5, 0, 3, 1, 4, 2]; // group 0 = images {5, 0, 3}, mean 8/3
    tf.tidy(() =>
      encodeInGroups(
        images(6),
        2,
        (x, group) => ({ y: bn.forward(x, replicaForwardOptions(group)) }),
        order,
      ),
    );
    const mean = Array.from(bn.runningMean.dataSync());
    mean.forEach((value) => expect(value).toBeCloseTo(0.1 * (8 / 3), 6));
    // Unbiased variance of {5, 0, 3}: 19/3; one update at momentum 0.1.
    Array.from(bn.runningVar.dataSync()).forEach((value) =>
      expect(value).toBeCloseTo(0.9 + 0.1 * (19 / 3), 5),
    );
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(1);
    tf.dispose([...bn.variables().values()]);
  });

  it('leaks no tensors', () => {
    const x = images(6);
    const before = tf.memory().numTensors;
    const out = encodeInGroups(x, 3, centre, [1, 2, 0, 4, 5, 3]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([x, out.centred, out.groupMean]);
  });
});
