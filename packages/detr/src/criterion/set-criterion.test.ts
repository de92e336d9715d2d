import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HungarianMatcher } from '../matcher/hungarian-matcher.js';
import type { SetOutputs, SetTarget } from '../matcher/set-types.js';
import { expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { readFixture } from '../test-support/fixtures.js';
import type { MatchedLoss } from './matched-loss.js';
import { SetCriterion } from './set-criterion.js';

interface CriterionCase {
  focal: boolean;
  numClasses: number;
  weights: { class: number; bbox: number; giou: number };
  logits: StoredArray[];
  boxes: StoredArray[];
  targets: Array<{ labels: number[]; boxes: StoredArray }>;
  losses: Record<string, number>;
  total: number;
  numBoxes: number;
  matches: Array<Array<{ predictions: number[]; targets: number[] }>>;
  gradLogits: StoredArray[];
  gradBoxes: StoredArray[];
}
interface CriterionFixture {
  cases: Record<'softmax' | 'softmax_with_empty_image' | 'focal', CriterionCase>;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixture = readFixture<CriterionFixture>('criterion.json');

function build(data: CriterionCase, extraLosses: MatchedLoss[] = []): SetCriterion {
  const matcher = new HungarianMatcher({
    costClass: data.weights.class,
    costBbox: data.weights.bbox,
    costGiou: data.weights.giou,
    classCost: data.focal ? 'focal' : 'softmax',
  });
  return new SetCriterion({
    numClasses: data.numClasses,
    matcher,
    classLoss: data.focal ? 'focal' : 'cross-entropy',
    eosCoef: 0.1,
    weights: data.weights,
    extraLosses,
  });
}

function outputsOf(logits: tf.Tensor3D[], boxes: tf.Tensor3D[]): SetOutputs {
  const last = logits.length - 1;
  return {
    logits: logits[last]!,
    boxes: boxes[last]!,
    aux: logits.slice(0, last).map((l, i) => ({ logits: l, boxes: boxes[i]! })),
  };
}

function targetsOf(data: CriterionCase): SetTarget[] {
  return data.targets.map((t) => ({ labels: t.labels, boxes: toTensor<tf.Rank.R2>(t.boxes) }));
}

for (const name of ['softmax', 'softmax_with_empty_image', 'focal'] as const) {
  describe(`SetCriterion (${name}) equals DETR's models/detr.py + matcher.py in PyTorch`, () => {
    const data = fixture.cases[name];

    it('matches, every named term (final + aux), the total and the gradients', () => {
      const criterion = build(data);
      const targets = targetsOf(data);
      const logits = data.logits.map((l) => toTensor<tf.Rank.R3>(l));
      const boxes = data.boxes.map((b) => toTensor<tf.Rank.R3>(b));
      const before = tf.memory().numTensors;
      const layers = logits.length;
      let matchesSeen: unknown;
      const { value, grads } = tf.tidy(() =>
        tf.valueAndGrads((...inputs: tf.Tensor[]) => {
          const out = criterion.compute(
            outputsOf(
              inputs.slice(0, layers) as tf.Tensor3D[],
              inputs.slice(layers) as tf.Tensor3D[],
            ),
            targets,
          );
          expect(out.numBoxes).toBe(data.numBoxes);
          for (const [term, expected] of Object.entries(data.losses)) {
            expect(out.unweighted[term]!.dataSync()[0], term).toBeCloseTo(expected, 4);
          }
          expect(Object.keys(out.unweighted).sort()).toEqual(Object.keys(data.losses).sort());
          matchesSeen = [...out.matches.aux, out.matches.final].map((layer) =>
            layer.map((m) => ({
              predictions: Array.from(m.predictions),
              targets: Array.from(m.targets),
            })),
          );
          return out.total;
        })([...logits, ...boxes]),
      );
      expect(matchesSeen).toEqual(data.matches);
      expect(value.dataSync()[0]).toBeCloseTo(data.total, 4);
      grads.slice(0, layers).forEach((g, i) => expectClose(g, data.gradLogits[i]!, 1e-5));
      grads.slice(layers).forEach((g, i) => expectClose(g, data.gradBoxes[i]!, 1e-5));
      tf.dispose([value, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...logits, ...boxes, ...targets.map((t) => t.boxes)]);
    });
  });
}

describe('SetCriterion extensions and checks', () => {
  const data = fixture.cases.softmax;

  it('adds extra matched losses per layer (and skips aux layers when asked), weighted into the total', () => {
    const calls: Array<number | undefined> = [];
    const reconstruction: MatchedLoss<SetTarget & { features: tf.Tensor2D }> = {
      name: 'loss_feature',
      weight: 3,
      compute: (context) => {
        calls.push(context.auxLayer);
        const predicted = context.gatherPredictions(context.predictions.extras!['features']!);
        const target = context.gatherTargets((t) => t.features);
        return tf.div(tf.sum(tf.square(tf.sub(predicted, target))), context.numBoxes) as tf.Scalar;
      },
    };
    const lastOnly: MatchedLoss<SetTarget & { features: tf.Tensor2D }> = {
      name: 'loss_embedding',
      weight: 1,
      auxiliary: false,
      compute: () => tf.scalar(0.5),
    };
    const matcher = new HungarianMatcher();
    const criterion = new SetCriterion({
      numClasses: data.numClasses,
      matcher,
      extraLosses: [reconstruction, lastOnly],
    });
    tf.tidy(() => {
      const targets = data.targets.map((t) => ({
        labels: t.labels,
        boxes: toTensor<tf.Rank.R2>(t.boxes),
        features: tf.ones([t.labels.length, 3]) as tf.Tensor2D,
      }));
      const logits = data.logits.map((l) => toTensor<tf.Rank.R3>(l));
      const boxes = data.boxes.map((b) => toTensor<tf.Rank.R3>(b));
      const features = tf.zeros([2, 7, 3]);
      const outputs: SetOutputs = {
        ...outputsOf(logits, boxes),
        extras: { features },
        aux: outputsOf(logits, boxes).aux!.map((a) => ({ ...a, extras: { features } })),
      };
      const out = criterion.compute(outputs, targets);
      expect(calls).toEqual([undefined, 0, 1]);
      // every matched pair contributes ‖0 − 1‖² · 3 features; N = numBoxes
      expect(out.unweighted['loss_feature']!.dataSync()[0]).toBeCloseTo(3, 5);
      expect(out.terms['loss_feature_0']!.dataSync()[0]).toBeCloseTo(9, 5);
      expect(out.terms['loss_embedding']!.dataSync()[0]).toBeCloseTo(0.5, 6);
      expect(out.terms['loss_embedding_0']).toBeUndefined();
      const sum = Object.values(out.terms).reduce((s, t) => s + t.dataSync()[0]!, 0);
      expect(out.total.dataSync()[0]).toBeCloseTo(sum, 4);
    });
  });

  it('rejects logits of the wrong width and out-of-range labels', () => {
    tf.tidy(() => {
      const criterion = build(data);
      const logits = toTensor<tf.Rank.R3>(data.logits[0]!);
      const boxes = toTensor<tf.Rank.R3>(data.boxes[0]!);
      const targets = targetsOf(data);
      expect(() =>
        criterion.compute({ logits: tf.slice(logits, [0, 0, 0], [-1, -1, 3]), boxes }, targets),
      ).toThrow(/needs 4 logits per query; got 3/);
      expect(() =>
        criterion.compute({ logits, boxes }, [
          { labels: [3], boxes: tf.tensor2d([[0.5, 0.5, 0.1, 0.1]]) },
          targets[1]!,
        ]),
      ).toThrow(/label 3; labels must be integers in \[0, 3\)/);
    });
  });
});
