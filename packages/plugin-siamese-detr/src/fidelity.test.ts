import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { flipGeometry, identityGeometry, mapBox, resizeGeometry, type Box } from '@ssdet/data';
import { ResNet } from '@ssdet/nn';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { GlobalDiscriminationHead, RegionQueryHead } from './heads.js';
import { globalDiscriminationLoss } from './losses/global-discrimination-loss.js';
import type { RegionTarget } from './losses/region-discrimination-loss.js';
import { createSiameseDetrCriterion } from './losses/siamese-detr-criterion.js';
import { disturbBoxes } from './method.js';
import { selectRegionPairs } from './region-pairs.js';
import { DetrSiameseModel } from './siamese-detr-model.js';
import { readGolden } from './test-support/golden.js';
import { twoViewsInOuterBox } from './two-view-crop.js';

interface CriterionCase {
  numQueries: number;
  numPatches: number;
  weights: Record<string, StoredArray>;
  hs: StoredArray;
  referencePoints: StoredArray | null;
  targetBoxes: StoredArray;
  imageSizes: [number, number][];
  gtFeature: StoredArray;
  raw: Record<string, number>;
  weighted: Record<string, number>;
  total: number;
  matches: { predictions: number[]; targets: number[] }[][];
  gradHs: StoredArray;
}

interface GlobalCase {
  inDim: number;
  hiddenDim: number;
  outDim: number;
  weights: Record<string, StoredArray>;
  pooledA: StoredArray;
  pooledB: StoredArray;
  loss: number;
  gradA: StoredArray;
  gradB: StoredArray;
}

interface QueryCase {
  strides: number[];
  numQueries: number;
  numPatches: number;
  weights: Record<string, StoredArray>;
  features: StoredArray[];
  boxes: StoredArray;
  queryPos: StoredArray;
}

interface BoxesCase {
  original: [number, number];
  resized: [number, number];
  flip: boolean;
  proposals: StoredArray;
  outer: Box;
  uniforms: number[];
  normals: StoredArray;
  viewA: Box;
  viewB: Box;
  intersection: Box;
  width: number;
  height: number;
  selected: { boxesA: StoredArray; boxesB: StoredArray; kept: number; padded: number } | null;
}

interface Golden {
  criterion: { detr: CriterionCase; deformable: CriterionCase };
  global: GlobalCase;
  queries: { singleScale: QueryCase; multiScale: QueryCase };
  disturb: {
    boxes: StoredArray;
    normals: StoredArray;
    width: number;
    height: number;
    disturbed: StoredArray;
  };
  boxes: BoxesCase[];
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const golden = readGolden<Golden>();
const relative = { relative: 'element' } as const;

/** Python's random.random() replayed from the stored draws. */
function replay(values: readonly number[]): () => number {
  let next = 0;
  return () => {
    const value = values[next++];
    if (value === undefined) throw new Error('the fixture ran out of random draws');
    return value;
  };
}

describe("Siamese DETR's criterion equals Zx55/SiameseDETR's SiamDETRCriterion (PyTorch + SciPy)", () => {
  for (const variant of ['detr', 'deformable'] as const) {
    it(`${variant}: matches, CE + 5·L1 + 2·GIoU + 3·L_rd on every layer, total and d/dhs within 1e-4`, () => {
      const fixture = golden.criterion[variant];
      const [layers, batch, , d] = fixture.hs.shape as [number, number, number, number];
      const channels = fixture.gtFeature.shape[1]!;
      const model = new DetrSiameseModel({
        // ResNet-18 at width 3/64: C5 has 24 channels, the fixture's feature size.
        backbone: new ResNet({
          depth: 18,
          widthMultiplier: channels / 512,
          normLayer: 'frozen',
          frozenStages: 4,
          rng: Rng.fromSeed(1),
        }),
        dModel: d,
        numHeads: 2,
        dimFeedforward: 32,
        encoderLayers: 1,
        decoderLayers: layers,
        dropout: 0.1,
        numQueries: fixture.numQueries,
        numPatches: fixture.numPatches,
        globalHidden: 8,
        globalOut: 8,
        preNorm: false,
        rng: Rng.fromSeed(2),
      });
      assignStoredWeights(model.detectorVariables(), fixture.weights, { partial: true });
      const criterion = createSiameseDetrCriterion({
        eosCoef: 0.1,
        weights: { class: 1, bbox: 5, giou: 2, feature: 3 },
        costs: { class: 1, bbox: 5, giou: 2 },
      });
      const m = fixture.numPatches;
      const boxes = fixture.targetBoxes.data;
      const gt = toTensor<tf.Rank.R2>(fixture.gtFeature);
      const targets: RegionTarget[] = fixture.imageSizes.map(([width, height], b) => ({
        labels: new Int32Array(m).fill(1),
        boxes: tf.tensor2d(
          Array.from({ length: m }, (_, k) => {
            const [x0, y0, x1, y1] = boxes.slice((b * m + k) * 4, (b * m + k + 1) * 4) as [
              number,
              number,
              number,
              number,
            ];
            return [
              (x0 + x1) / 2 / width,
              (y0 + y1) / 2 / height,
              (x1 - x0) / width,
              (y1 - y0) / height,
            ];
          }),
        ),
        features: tf.slice(gt, [b * m, 0], [m, -1]),
      }));
      expect(targets.length).toBe(batch);
      const hs = toTensor<tf.Rank.R4>(fixture.hs);
      const reference =
        fixture.referencePoints === null
          ? undefined
          : toTensor<tf.Rank.R3>(fixture.referencePoints);
      const before = tf.memory().numTensors;
      let seen: { raw: Record<string, number>; weighted: Record<string, number>; matches: unknown };
      const { value, grads } = tf.tidy(() =>
        tf.valueAndGrads((h: tf.Tensor) => {
          const out = criterion.compute(model.predict(h as tf.Tensor4D, reference), targets);
          const weighted: Record<string, number> = {};
          for (const [name, v] of Object.entries(out.terms)) {
            const base = name.replace(/_\d+$/, '');
            weighted[base] = (weighted[base] ?? 0) + v.dataSync()[0]!;
          }
          seen = {
            raw: Object.fromEntries(
              Object.entries(out.unweighted).map(([name, v]) => [name, v.dataSync()[0]!]),
            ),
            weighted,
            matches: [...out.matches.aux, out.matches.final].map((layer) =>
              layer.map((match) => ({
                predictions: Array.from(match.predictions),
                targets: Array.from(match.targets),
              })),
            ),
          };
          return out.total;
        })([hs]),
      );
      expect(seen!.matches).toEqual(fixture.matches);
      const rawNames = Object.keys(fixture.raw).sort();
      expect(Object.keys(seen!.raw).sort()).toEqual(rawNames);
      expectClose(
        rawNames.map((n) => seen!.raw[n]!),
        rawNames.map((n) => fixture.raw[n]!),
        1e-4,
        relative,
      );
      const names = Object.keys(fixture.weighted).sort();
      expectClose(
        names.map((n) => seen!.weighted[n]!),
        names.map((n) => fixture.weighted[n]!),
        1e-4,
        relative,
      );
      expectClose([value.dataSync()[0]!], [fixture.total], 1e-4, relative);
      expectClose(grads[0]!.dataSync(), fixture.gradHs.data, 1e-4, { relative: 'tensor' });
      tf.dispose([value, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([hs, gt, ...(reference ? [reference] : []), ...targets.flatMap((t) => [t.boxes])]);
      model.dispose();
    });
  }
});

describe("Siamese DETR's global discrimination equals SiameseDETREncoderGlobalLatentHead", () => {
  it('projector (FC-BN-ReLU ×2, FC-BN) + predictor (FC-BN-ReLU-FC), symmetric 2 − 2cos: loss and gradients', () => {
    const fixture = golden.global;
    const head = new GlobalDiscriminationHead({
      inDim: fixture.inDim,
      hiddenDim: fixture.hiddenDim,
      outDim: fixture.outDim,
      rng: Rng.fromSeed(3),
    });
    assignStoredWeights(head.variables(), fixture.weights, { partial: true });
    const a = toTensor<tf.Rank.R2>(fixture.pooledA);
    const b = toTensor<tf.Rank.R2>(fixture.pooledB);
    const { value, grads } = tf.tidy(() =>
      tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) =>
        globalDiscriminationLoss(
          head.apply(x as tf.Tensor2D, { training: true, updateRunningStats: false }),
          head.apply(y as tf.Tensor2D, { training: true, updateRunningStats: false }),
        ),
      )([a, b]),
    );
    expectClose([value.dataSync()[0]!], [fixture.loss], 1e-4, relative);
    expectClose(grads[0]!.dataSync(), fixture.gradA.data, 1e-4, { relative: 'tensor' });
    expectClose(grads[1]!.dataSync(), fixture.gradB.data, 1e-4, { relative: 'tensor' });
    tf.dispose([value, ...grads, a, b, ...head.variables().values()]);
  });
});

describe("Siamese DETR's query injection equals SiameseDETR.align_and_proj (torchvision roi_align)", () => {
  for (const variant of ['singleScale', 'multiScale'] as const) {
    it(`${variant}: RoIAlign 7×7 → mean → patch2query → repeat_interleave → + query_embed`, () => {
      const fixture = golden.queries[variant];
      const features = fixture.features.map((f) => toTensor<tf.Rank.R4>(f));
      const head = new RegionQueryHead({
        featureDim: features.reduce((sum, f) => sum + f.shape[3], 0),
        dModel: fixture.weights['query_embed.weight']!.shape[1]!,
        numQueries: fixture.numQueries,
        numPatches: fixture.numPatches,
        rng: Rng.fromSeed(4),
      });
      assignStoredWeights(head.variables(), fixture.weights);
      const before = tf.memory().numTensors;
      const queryPos = tf.tidy(() =>
        head.apply(
          head.regionFeatures(
            features.map((f, l) => ({ features: f, stride: fixture.strides[l]! })),
            Float32Array.from(fixture.boxes.data),
          ),
        ),
      );
      expect(queryPos.shape).toEqual(fixture.queryPos.shape);
      expectClose(queryPos.dataSync(), fixture.queryPos.data, 1e-4, { relative: 'tensor' });
      queryPos.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...features, ...head.variables().values()]);
    });
  }
});

describe("Siamese DETR's two-view boxes equal the official dataset's", () => {
  it('jitters the query boxes as add_randomness_on_multiview_box (±10% of w/h, clamped to the view)', () => {
    const fixture = golden.disturb;
    const out = disturbBoxes(
      Float32Array.from(fixture.boxes.data),
      [{ width: fixture.width, height: fixture.height }],
      fixture.boxes.shape[0]!,
      0.1,
      replay(fixture.normals.data),
    );
    expectClose(out, fixture.disturbed.data, 1e-4, { relative: 'tensor' });
  });

  golden.boxes.forEach((fixture, index) => {
    it(`case ${index}: resize + flip, two views with IoU ≥ 0.5, clip / filter / map / pad / intersection first`, () => {
      const [W0, H0] = fixture.original;
      const [w1, h1] = fixture.resized;
      let base = resizeGeometry(identityGeometry(W0, H0), w1, h1);
      if (fixture.flip) base = flipGeometry(base);
      const raw = fixture.proposals.data;
      const proposals = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i += 4) {
        proposals.set(mapBox(base, [raw[i]!, raw[i + 1]!, raw[i + 2]!, raw[i + 3]!]), i);
      }
      const views = twoViewsInOuterBox(fixture.outer, 0.5, true, replay(fixture.uniforms));
      expectClose(
        [...views.viewA, ...views.viewB, ...views.intersection],
        [...fixture.viewA, ...fixture.viewB, ...fixture.intersection],
        1e-9,
        { relative: 'tensor' },
      );
      const pairs = selectRegionPairs(
        proposals,
        { ...views, width: fixture.width, height: fixture.height },
        { numPatches: 10, areaMinRatio: 0.05, padJitter: 0.1 },
        replay(fixture.normals.data),
      );
      if (fixture.selected === null) {
        expect(pairs).toBeUndefined();
        return;
      }
      expect(pairs).toBeDefined();
      expect([pairs!.kept, pairs!.padded]).toEqual([
        fixture.selected.kept,
        fixture.selected.padded,
      ]);
      expectClose(pairs!.boxesA, fixture.selected.boxesA.data, 1e-4, { relative: 'tensor' });
      expectClose(pairs!.boxesB, fixture.selected.boxesB.data, 1e-4, { relative: 'tensor' });
    });
  });
});
