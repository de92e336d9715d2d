import * as tf from '@tensorflow/tfjs-core';
import { SINGLE_PROCESS, selectBackend, type ProcessGroup } from '@ssdet/core';
import { toTensor } from '@ssdet/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { HungarianMatcher } from '../matcher/hungarian-matcher.js';
import type { SetOutputs, SetTarget } from '../matcher/set-types.js';
import { readFixture } from '../test-support/fixtures.js';
import type { StoredArray } from '@ssdet/test-support';
import { globalBoxCount } from './global-box-count.js';
import { SetCriterion } from './set-criterion.js';

/**
 * Rank 0 of a pretend job whose other ranks hold `peers` (one value per other rank, per buffer
 * element): a sum adds them in, a mean divides that by the size. Records each allreduce.
 */
class PeerValuesGroup implements ProcessGroup {
  readonly rank = 0;
  readonly size: number;
  readonly allreduces: { op: 'sum' | 'mean'; values: number[] }[] = [];

  constructor(private readonly peers: readonly number[]) {
    this.size = peers.length + 1;
  }

  allreduce(buffers: readonly Float32Array[], op: 'sum' | 'mean'): void {
    this.allreduces.push({ op, values: buffers.flatMap((buffer) => Array.from(buffer)) });
    for (const buffer of buffers)
      for (let i = 0; i < buffer.length; i++) {
        const sum = this.peers.reduce((total, peer) => total + peer, buffer[i]!);
        buffer[i] = op === 'sum' ? sum : sum / this.size;
      }
  }
  allgather(): Float32Array[] {
    throw new Error('unexpected allgather');
  }
  broadcast(): void {
    throw new Error('unexpected broadcast');
  }
  barrier(): void {
    throw new Error('unexpected barrier');
  }
}

interface CriterionCase {
  focal: boolean;
  numClasses: number;
  weights: { class: number; bbox: number; giou: number };
  logits: StoredArray[];
  boxes: StoredArray[];
  targets: Array<{ labels: number[]; boxes: StoredArray }>;
  numBoxes: number;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixture = readFixture<{ cases: Record<'softmax' | 'focal', CriterionCase> }>(
  'criterion.json',
);

describe('globalBoxCount (DETR: all_reduce(num_boxes) / world_size, clamped to 1)', () => {
  it('is max(1, local) in one process, without a collective', () => {
    expect(globalBoxCount(7)).toBe(7);
    expect(globalBoxCount(0, SINGLE_PROCESS)).toBe(1);
    const alone = new PeerValuesGroup([]);
    expect(globalBoxCount(3, alone)).toBe(3);
    expect(alone.allreduces).toEqual([]);
  });

  it('averages the ranks’ counts with one sum-allreduce, then clamps to 1', () => {
    const group = new PeerValuesGroup([4, 7]);
    expect(globalBoxCount(2, group)).toBeCloseTo(13 / 3, 6);
    expect(group.allreduces).toEqual([{ op: 'sum', values: [2] }]);
    // A fractional mean stays fractional (DETR clamps num_boxes / world_size, no rounding) …
    expect(globalBoxCount(0, new PeerValuesGroup([3]))).toBe(1.5);
    // … and a mean below one box is clamped after averaging, not per rank.
    expect(globalBoxCount(0, new PeerValuesGroup([1]))).toBe(1);
    expect(globalBoxCount(0, new PeerValuesGroup([0, 0, 0]))).toBe(1);
  });
});

for (const name of ['softmax', 'focal'] as const) {
  describe(`SetCriterion over a process group (${name})`, () => {
    const data = fixture.cases[name];

    function lossesWith(group: ProcessGroup | undefined) {
      const criterion = new SetCriterion({
        numClasses: data.numClasses,
        matcher: new HungarianMatcher({
          costClass: data.weights.class,
          costBbox: data.weights.bbox,
          costGiou: data.weights.giou,
          classCost: data.focal ? 'focal' : 'softmax',
        }),
        classLoss: data.focal ? 'focal' : 'cross-entropy',
        weights: data.weights,
        ...(group === undefined ? {} : { group }),
      });
      return tf.tidy(() => {
        const targets: SetTarget[] = data.targets.map((t) => ({
          labels: t.labels,
          boxes: toTensor<tf.Rank.R2>(t.boxes),
        }));
        const logits = data.logits.map((l) => toTensor<tf.Rank.R3>(l));
        const boxes = data.boxes.map((b) => toTensor<tf.Rank.R3>(b));
        const last = logits.length - 1;
        const outputs: SetOutputs = {
          logits: logits[last]!,
          boxes: boxes[last]!,
          aux: logits.slice(0, last).map((l, i) => ({ logits: l, boxes: boxes[i]! })),
        };
        let numBoxes = 0;
        const { value, grads } = tf.valueAndGrads((...inputs: tf.Tensor[]) => {
          const out = criterion.compute(
            {
              logits: inputs[0] as tf.Tensor3D,
              boxes: inputs[1] as tf.Tensor3D,
              aux: outputs.aux!,
            },
            targets,
          );
          numBoxes = out.numBoxes;
          return out.total;
        })([outputs.logits, outputs.boxes]);
        const out = criterion.compute(outputs, targets);
        const unweighted = Object.fromEntries(
          Object.entries(out.unweighted).map(([term, v]) => [term, v.dataSync()[0]!]),
        );
        return {
          numBoxes,
          unweighted,
          total: value.dataSync()[0]!,
          gradBoxes: Array.from(grads[1]!.dataSync()),
        };
      });
    }

    it('divides the box terms (and the focal loss) by the ranks’ mean box count, once per step', () => {
      const local = data.numBoxes;
      const before = tf.memory().numTensors;
      const alone = lossesWith(undefined);
      expect(lossesWith(SINGLE_PROCESS)).toEqual(alone);
      const peer = local + 5;
      const group = new PeerValuesGroup([peer]);
      const pair = lossesWith(group);
      expect(tf.memory().numTensors).toBe(before);
      const mean = (local + peer) / 2;
      expect(alone.numBoxes).toBe(local);
      expect(pair.numBoxes).toBeCloseTo(mean, 6);
      // Two compute calls (valueAndGrads, then the terms): one allreduce each, whatever the
      // number of decoder layers, carrying this rank's count.
      expect(group.allreduces).toEqual([
        { op: 'sum', values: [local] },
        { op: 'sum', values: [local] },
      ]);
      const scale = local / mean;
      for (const [term, value] of Object.entries(alone.unweighted)) {
        const normalised = term.startsWith('loss_bbox') || term.startsWith('loss_giou');
        const scaled = normalised || (data.focal && term.startsWith('loss_ce'));
        // DETR's cross-entropy is a weighted mean over queries: N does not enter it.
        expect(pair.unweighted[term], term).toBeCloseTo(scaled ? value * scale : value, 5);
      }
      // The final layer's box gradient comes from its L1 and GIoU terms alone: scaled the same.
      pair.gradBoxes.forEach((g, i) => expect(g).toBeCloseTo(alone.gradBoxes[i]! * scale, 5));
      expect(pair.gradBoxes.some((g) => Math.abs(g) > 1e-4)).toBe(true);
    });
  });
}
