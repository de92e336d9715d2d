import { type ProcessGroup, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatAllGather } from './concat-all-gather.js';
import { encodeShuffledAcrossRanks } from './shuffle-bn-across-ranks.js';
import { encodeInGroups } from './shuffle-bn.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** Image i is a 1×1 "image" whose pixels are all i + 1. */
const images = (n: number): tf.Tensor4D =>
  tf.tile(tf.range(1, n + 1).reshape([n, 1, 1, 1]), [1, 1, 1, 3]) as tf.Tensor4D;

/** BatchNorm-like: centred by the group's mean, scaled by its spread; and the group's mean. */
const centre = (x: tf.Tensor4D) => {
  const values = tf.reshape(tf.slice(x, [0, 0, 0, 0], [-1, 1, 1, 1]), [-1]);
  const { mean, variance } = tf.moments(values);
  return {
    normalised: tf.div(tf.sub(values, mean), tf.sqrt(tf.add(variance, 1))),
    groupMean: tf.mul(tf.onesLike(values), mean),
  };
};

/**
 * Rank `rank` of two, the other rank holding images `peerImages` and encoding its part of the
 * shuffled global batch like this one: each allgather answers with what that rank would send
 * (its images first, then its outputs in the order they are gathered).
 */
function pair(rank: number, peerSends: () => Float32Array[]): ProcessGroup {
  let call = 0;
  return {
    rank,
    size: 2,
    allreduce: () => {
      throw new Error('not expected');
    },
    allgather(buffer) {
      const peer = peerSends()[call++]!;
      return rank === 0 ? [buffer, peer] : [peer, buffer];
    },
    broadcast: () => {
      throw new Error('not expected');
    },
    barrier: () => undefined,
  };
}

describe('encodeShuffledAcrossRanks (shuffle-BN over MPI ranks)', () => {
  for (const localGroups of [1, 2])
    it(`2 ranks × 4 images, ${localGroups} group(s) each = one process × 8 images in ${2 * localGroups} groups, same order`, () => {
      const before = tf.memory().numTensors;
      const order = [6, 1, 3, 7, 0, 4, 2, 5];
      const expected = tf.tidy(() => {
        const one = encodeInGroups(images(8), 2 * localGroups, centre, order);
        return {
          normalised: one.normalised.arraySync() as number[],
          groupMean: one.groupMean.arraySync() as number[],
        };
      });
      for (const rank of [0, 1]) {
        const peer = 1 - rank;
        // What the peer sends: its 4 images, then its encoded shuffled part, output by output.
        const peerSends = () =>
          tf.tidy(() => {
            const all = images(8);
            const own = all.slice([peer * 4, 0, 0, 0], [4, -1, -1, -1]);
            const part = tf.gather(all, order.slice(peer * 4, peer * 4 + 4)) as tf.Tensor4D;
            const encoded = encodeInGroups(part, localGroups, centre);
            return [own, encoded.normalised, encoded.groupMean].map((t) =>
              Float32Array.from(t.dataSync()),
            );
          });
        const groupsSeen: number[] = [];
        const got = tf.tidy(() => {
          const mine = images(8).slice([rank * 4, 0, 0, 0], [4, -1, -1, -1]);
          const out = encodeShuffledAcrossRanks(
            mine,
            pair(rank, peerSends),
            localGroups,
            (x, g) => {
              groupsSeen.push(g);
              return centre(x);
            },
            order,
          );
          return {
            normalised: out.normalised.arraySync() as number[],
            groupMean: out.groupMean.arraySync() as number[],
          };
        });
        expect(groupsSeen).toEqual(
          Array.from({ length: localGroups }, (_, g) => rank * localGroups + g),
        );
        const rows = (values: number[]) => values.slice(rank * 4, rank * 4 + 4);
        const close = (a: number[], b: number[]) =>
          a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, 6));
        close(got.normalised, rows(expected.normalised));
        close(got.groupMean, rows(expected.groupMean));
      }
      expect(tf.memory().numTensors).toBe(before);
    });

  it('without an order each rank normalises its own images in its own groups, with no traffic', () => {
    const seen: number[] = [];
    const quiet = pair(1, () => {
      throw new Error('no collective expected');
    });
    const means = tf.tidy(
      () =>
        encodeShuffledAcrossRanks(images(4), quiet, 2, (x, g) => {
          seen.push(g);
          return centre(x);
        }).groupMean.arraySync() as number[],
    );
    expect(means).toEqual([1.5, 1.5, 3.5, 3.5]);
    expect(seen).toEqual([2, 3]);
  });

  it('refuses an order that is not over the global batch', () => {
    expect(() =>
      tf.tidy(() =>
        encodeShuffledAcrossRanks(
          images(4),
          pair(0, () => []),
          1,
          centre,
          [0, 1, 2, 3],
        ),
      ),
    ).toThrow(/permutation of the global batch \(2 ranks × 4 = 8 images\); got 4 entries/);
  });
});

describe('concatAllGather', () => {
  it("stacks the ranks' rows in rank order", () => {
    const group = pair(1, () => [Float32Array.of(1, 2, 3, 4)]);
    const rows = tf.tidy(() => concatAllGather(tf.tensor2d([[5, 6]]), group).arraySync());
    expect(rows).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });
});
