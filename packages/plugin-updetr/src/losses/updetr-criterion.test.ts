import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { ResNet } from '@ssdet/nn';
import { readGolden } from '../test-support/golden.js';
import { UpdetrModel } from '../updetr-model.js';
import type { PatchTarget } from './feature-reconstruction-loss.js';
import { createUpdetrCriterion } from './updetr-criterion.js';

interface LossFixture {
  numClasses: number;
  numQueries: number;
  numPatches: number;
  weights: Record<string, StoredArray>;
  hs: StoredArray;
  gtFeature: StoredArray;
  targets: { labels: number[]; boxes: StoredArray }[];
  losses: Record<string, number>;
  total: number;
  numBoxes: number;
  matches: { predictions: number[]; targets: number[] }[][];
  gradHs: StoredArray;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixture = readGolden<{ loss: LossFixture }>().loss;

describe("UP-DETR's loss equals dddzg/up-detr's (PyTorch + SciPy golden)", () => {
  it('heads → matching → CE + L1 + GIoU + L_feat on all 3 decoder layers, total and d/dhs within 1e-4', () => {
    const [layers, , , d] = fixture.hs.shape as [number, number, number, number];
    const featureDim = fixture.gtFeature.shape[1]!;
    // ResNet-18 at width 3/64 has C5 = 24 channels = the fixture's feature size.
    const model = new UpdetrModel({
      createBackbone: (rng) =>
        new ResNet({
          depth: 18,
          widthMultiplier: featureDim / 512,
          normLayer: 'frozen',
          frozenStages: 4,
          rng,
        }),
      dModel: d,
      numHeads: 2,
      dimFeedforward: 32,
      encoderLayers: 1,
      decoderLayers: layers,
      dropout: 0.1,
      preNorm: true,
      numQueries: fixture.numQueries,
      numPatches: fixture.numPatches,
      numClasses: fixture.numClasses,
      featureReconstruction: true,
      rng: Rng.fromSeed(1),
    });
    expect(model.featureDim).toBe(featureDim);
    assignStoredWeights(model.detectorVariables(), fixture.weights, { partial: true });
    const criterion = createUpdetrCriterion({
      numClasses: fixture.numClasses,
      eosCoef: 0.1,
      weights: { class: 1, bbox: 5, giou: 2, feature: 1 },
      costs: { class: 1, bbox: 5, giou: 2 },
      featureReconstruction: true,
    });
    const hs = toTensor<tf.Rank.R4>(fixture.hs);
    const gt = toTensor<tf.Rank.R2>(fixture.gtFeature);
    const numPatches = fixture.numPatches;
    const targets: PatchTarget[] = fixture.targets.map((t, b) => ({
      labels: t.labels,
      boxes: toTensor<tf.Rank.R2>(t.boxes),
      features: tf.slice(gt, [b * numPatches, 0], [numPatches, -1]),
    }));
    const before = tf.memory().numTensors;
    let seen: { terms: Record<string, number>; matches: unknown; numBoxes: number } | undefined;
    const { value, grads } = tf.tidy(() =>
      tf.valueAndGrads((h: tf.Tensor) => {
        const out = criterion.compute(model.predict(h as tf.Tensor4D), targets);
        seen = {
          terms: Object.fromEntries(
            Object.entries(out.unweighted).map(([name, v]) => [name, v.dataSync()[0]!]),
          ),
          matches: [...out.matches.aux, out.matches.final].map((layer) =>
            layer.map((m) => ({
              predictions: Array.from(m.predictions),
              targets: Array.from(m.targets),
            })),
          ),
          numBoxes: out.numBoxes,
        };
        return out.total;
      })([hs]),
    );
    expect(seen!.numBoxes).toBe(fixture.numBoxes);
    expect(seen!.matches).toEqual(fixture.matches);
    expect(Object.keys(seen!.terms).sort()).toEqual(Object.keys(fixture.losses).sort());
    const names = Object.keys(fixture.losses);
    const relative = { relative: 'element' } as const;
    expectClose(
      names.map((n) => seen!.terms[n]!),
      names.map((n) => fixture.losses[n]!),
      1e-4,
      relative,
    );
    expectClose([value.dataSync()[0]!], [fixture.total], 1e-4, relative);
    expectClose(grads[0]!.dataSync(), fixture.gradHs.data, 1e-4, relative);
    tf.dispose([value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([hs, gt, ...targets.flatMap((t) => [t.boxes, t.features])]);
  });
});
