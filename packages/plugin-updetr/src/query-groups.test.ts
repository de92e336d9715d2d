import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { MultiheadAttention } from '@ssdet/detr';
import { beforeAll, describe, expect, it } from 'vitest';
import { officialQueryGroupMask, queryGroupMask, queryPatchIndex } from './query-groups.js';
import { readGolden } from './test-support/golden.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

interface MaskCase {
  numQueries: number;
  numPatches: number;
  blocked: string;
  fullyBlockedRows: number;
}
const officialCases = readGolden<{ officialMasks: MaskCase[] }>().officialMasks;

const RATIOS: [number, number][] = [
  [100, 10], // the paper: Q/M = M
  [100, 20], // Q/M = 5 < M = 20: the official loop breaks
  [100, 4], // Q/M = 25 > M
  [20, 5], // demo
  [20, 10], // Q/M = 2 < M
  [12, 12], // one query per patch
  [12, 1], // one group
];

describe('queryGroupMask', () => {
  for (const [q, m] of RATIOS) {
    it(`${q} queries, ${m} patches: query i attends exactly to the ${q / m} queries of its own patch`, () => {
      const mask = queryGroupMask(q, m);
      const blocked = mask.dataSync();
      const patchOf = queryPatchIndex(q, m);
      expect(mask.shape).toEqual([q, q]);
      for (let i = 0; i < q; i++) {
        expect(patchOf[i]).toBe(Math.floor((i * m) / q));
        let open = 0;
        for (let j = 0; j < q; j++) {
          const allowed = blocked[i * q + j] === 0;
          expect(allowed).toBe(patchOf[i] === patchOf[j]);
          if (allowed) open += 1;
        }
        expect(open).toBe(q / m);
      }
      mask.dispose();
    });
  }

  it('rejects a number of queries that is not a multiple of the patches', () => {
    expect(() => queryGroupMask(100, 15)).toThrow(/multiple of numPatches \(15\)/);
  });

  it('equals the official loop when Q/M ≥ M, and fixes it when Q/M < M (golden from PyTorch)', () => {
    for (const c of officialCases) {
      const official = officialQueryGroupMask(c.numQueries, c.numPatches);
      expect(Array.from(official).join(''), `${c.numQueries}/${c.numPatches}`).toBe(c.blocked);
      const ours = queryGroupMask(c.numQueries, c.numPatches);
      const same = Array.from(ours.dataSync()).join('') === c.blocked;
      const perPatch = c.numQueries / c.numPatches;
      expect(same).toBe(perPatch >= c.numPatches);
      expect(c.fullyBlockedRows).toBe(perPatch >= c.numPatches ? 0 : c.numQueries - perPatch ** 2);
      ours.dispose();
    }
  });

  it('with 100 queries and 20 patches the decoder self-attention stays finite and group-local', () => {
    const q = 100;
    const d = 8;
    const attention = new MultiheadAttention({ embedDim: d, numHeads: 2, rng: Rng.fromSeed(3) });
    const mask = queryGroupMask(q, 20);
    const x = tf.randomNormal<tf.Rank.R3>([1, q, d], 0, 1, 'float32', 4);
    const { output, weights } = tf.tidy(() => {
      const result = attention.apply(x, x, x, {
        attnMask: mask,
        needWeights: true,
        training: false,
      });
      return { output: result.output, weights: result.weights! };
    });
    expect(Array.from(output.dataSync()).every(Number.isFinite)).toBe(true);
    const w = weights.dataSync();
    // Query 97 (patch 19) puts all its attention on queries 95…99.
    let inside = 0;
    for (let j = 95; j < 100; j++) inside += w[97 * q + j]!;
    expect(inside).toBeCloseTo(1, 5);
    tf.dispose([mask, x, output, weights]);
  });
});
