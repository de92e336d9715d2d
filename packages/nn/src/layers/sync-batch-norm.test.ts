import type { ProcessGroup } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { BatchNorm2d } from './batch-norm-2d.js';

useCpuBackend();

const CHANNELS = 3;
const EPS = 1e-5;

/** Per-channel sums over all rows of `t` ([…, C]) as a plain array. */
const channelSums = (t: tf.Tensor): number[] =>
  tf.tidy(() => Array.from(tf.sum(tf.reshape(t, [-1, CHANNELS]), 0).dataSync()));

/**
 * Rank `rank` of two whose peer holds rows `peerX` (upstream gradient `peerDy`) of the batch
 * `all`: each allreduce adds what the peer would contribute at that point of SyncBN (its sum and
 * count; its squared deviations from the global mean; its Σdy and Σdy·x̂).
 */
function pair(
  rank: number,
  all: tf.Tensor4D,
  peerX: tf.Tensor4D,
  peerDy: tf.Tensor4D,
): ProcessGroup {
  const { mean, variance } = tf.moments(all, [0, 1, 2]);
  const peerRows = peerX.size / CHANNELS;
  const contributions = tf.tidy(() => {
    const centred = tf.sub(peerX, mean);
    const xHat = tf.mul(centred, tf.rsqrt(tf.add(variance, EPS)));
    return [
      [...channelSums(peerX), peerRows],
      channelSums(tf.square(centred)),
      [...channelSums(peerDy), ...channelSums(tf.mul(peerDy, xHat))],
    ];
  });
  tf.dispose([mean, variance]);
  let call = 0;
  return {
    rank,
    size: 2,
    allreduce(buffers, op) {
      expect(op).toBe('sum');
      const peer = contributions[call++]!;
      buffers[0]!.forEach((value, i) => (buffers[0]![i] = value + peer[i]!));
    },
    allgather: () => {
      throw new Error('not expected');
    },
    broadcast: () => {
      throw new Error('not expected');
    },
    barrier: () => undefined,
  };
}

describe('BatchNorm2d with syncGroup (SyncBN)', () => {
  it('2 ranks × 4 images = one process × 8 images: outputs, input and γ/β gradients, running statistics', () => {
    const before = tf.memory().numTensors;
    const all = tf.randomNormal([8, 2, 2, CHANNELS], 0.5, 2, 'float32', 1) as tf.Tensor4D;
    const upstream = tf.randomNormal([8, 2, 2, CHANNELS], 0, 1, 'float32', 2) as tf.Tensor4D;
    const rows = (t: tf.Tensor4D, rank: number) =>
      tf.slice(t, [rank * 4, 0, 0, 0], [4, -1, -1, -1]);

    const single = new BatchNorm2d({ numFeatures: CHANNELS, eps: EPS });
    const one = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(single.forward(all, { training: true }), upstream)) as tf.Scalar,
        [single.weight, single.bias],
      );
      const dx = tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            single.forward(x as tf.Tensor4D, { training: true, updateRunningStats: false }),
            upstream,
          ),
        ),
      )(all);
      value.dispose();
      return { y: single.forward(all, { training: true, updateRunningStats: false }), dx, grads };
    });

    const dGammaParts: number[][] = [];
    for (const rank of [0, 1]) {
      const bn = new BatchNorm2d({ numFeatures: CHANNELS, eps: EPS });
      const mine = rows(all, rank);
      const dy = rows(upstream, rank);
      const peer = 1 - rank;
      const peerX = rows(all, peer);
      const peerDy = rows(upstream, peer);
      // Each forward + backward makes 3 allreduces; a fresh pretend pair for each pass.
      const group = () => pair(rank, all, peerX, peerDy);
      const result = tf.tidy(() => {
        const syncGroup = group();
        let y: tf.Tensor | undefined;
        const dx = tf.grad((x: tf.Tensor) => {
          const out = bn.forward(x as tf.Tensor4D, {
            training: true,
            syncGroup,
            updateRunningStats: false,
          });
          y = tf.keep(out);
          return tf.sum(tf.mul(out, dy));
        })(mine);
        const { value, grads } = tf.variableGrads(
          () =>
            tf.sum(
              tf.mul(bn.forward(mine, { training: true, syncGroup: group() }), dy),
            ) as tf.Scalar,
          [bn.weight, bn.bias],
        );
        value.dispose();
        return { y: y!, dx, dGamma: grads[bn.weight.name]!, dBeta: grads[bn.bias.name]! };
      });
      const values = (t: tf.Tensor) => Array.from(t.dataSync());
      const expectedRows = (t: tf.Tensor) => tf.tidy(() => values(rows(t as tf.Tensor4D, rank)));
      expectValues(result.y, expectedRows(one.y), 1e-5);
      expectValues(result.dx, expectedRows(one.dx), 1e-5);
      dGammaParts.push(Array.from(result.dGamma.dataSync()), Array.from(result.dBeta.dataSync()));
      // Running statistics from the global batch (unbiased over all 8·2·2 values per channel).
      expectValues(bn.runningMean, values(single.runningMean), 1e-6);
      expectValues(bn.runningVar, values(single.runningVar), 1e-5);
      tf.dispose([mine, dy, peerX, peerDy, result.y, result.dx, result.dGamma, result.dBeta]);
      bn.variables().forEach((v) => v.dispose());
    }
    // This rank's γ/β gradients are its share: the two ranks' add up to one process's.
    const [g0, b0, g1, b1] = dGammaParts as [number[], number[], number[], number[]];
    const sum = (a: number[], b: number[]) => tf.tensor1d(a.map((v, i) => v + b[i]!));
    const [dGamma, dBeta] = [sum(g0, g1), sum(b0, b1)];
    expectValues(dGamma, Array.from(one.grads[single.weight.name]!.dataSync()), 1e-4);
    expectValues(dBeta, Array.from(one.grads[single.bias.name]!.dataSync()), 1e-4);
    tf.dispose([dGamma, dBeta]);
    tf.dispose([all, upstream, one.y, one.dx, ...Object.values(one.grads)]);
    single.variables().forEach((v) => v.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});
