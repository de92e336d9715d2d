import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { ResNet } from '@ssdet/nn';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeformableDetregModel, DetrDetregModel } from '../detreg-model.js';
import { readGolden } from '../test-support/golden.js';
import { createDetregCriterion } from './detreg-criterion.js';
import type { PriorTarget } from './object-embedding-loss.js';

interface LossFixture {
  numClasses: number;
  numQueries: number;
  weights: Record<string, StoredArray>;
  hs: StoredArray;
  referencePoints?: StoredArray;
  targets: { labels: number[]; boxes: StoredArray; embeddings: StoredArray }[];
  losses: Record<string, number>;
  total: number;
  numBoxes: number;
  matches: { predictions: number[]; targets: number[] }[][];
  gradHs: StoredArray;
  gradReferencePoints?: StoredArray;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const golden = readGolden<{ deformable: LossFixture; detr: LossFixture }>();

function tinyOptions(fixture: LossFixture) {
  const [layers, , , d] = fixture.hs.shape as [number, number, number, number];
  return {
    backbone: new ResNet({
      depth: 18,
      widthMultiplier: 0.125,
      normLayer: 'frozen',
      frozenStages: 4,
      rng: Rng.fromSeed(3),
    }),
    dModel: d,
    numHeads: 4,
    dimFeedforward: 32,
    encoderLayers: 1,
    decoderLayers: layers,
    dropout: 0.1,
    numQueries: fixture.numQueries,
    numClasses: fixture.numClasses,
    embeddingDim: fixture.targets[0]!.embeddings.shape[1]!,
    rng: Rng.fromSeed(1),
  };
}

function check(
  fixture: LossFixture,
  deformable: boolean,
  predict: (
    hs: tf.Tensor4D,
    ref: tf.Tensor3D | undefined,
  ) => ReturnType<DeformableDetregModel['predict']>,
): void {
  const criterion = createDetregCriterion({
    numClasses: fixture.numClasses,
    classLoss: deformable ? 'focal' : 'cross-entropy',
    focalAlpha: 0.25,
    eosCoef: 0.1,
    weights: { class: deformable ? 2 : 1, bbox: 5, giou: 2, embedding: 1 },
    costs: { class: deformable ? 2 : 1, bbox: 5, giou: 2 },
  });
  const hs = toTensor<tf.Rank.R4>(fixture.hs);
  const ref =
    fixture.referencePoints === undefined
      ? undefined
      : toTensor<tf.Rank.R3>(fixture.referencePoints);
  const targets: PriorTarget[] = fixture.targets.map((t) => ({
    labels: t.labels,
    boxes: toTensor<tf.Rank.R2>(t.boxes),
    embeddings: toTensor<tf.Rank.R2>(t.embeddings),
  }));
  const before = tf.memory().numTensors;
  let seen: { terms: Record<string, number>; matches: unknown; numBoxes: number } | undefined;
  const inputs = ref === undefined ? [hs] : [hs, ref];
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((...args: tf.Tensor[]) => {
      const out = criterion.compute(
        predict(args[0] as tf.Tensor4D, args[1] as tf.Tensor3D | undefined),
        targets,
      );
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
    })(inputs),
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
  expectClose(grads[0]!, fixture.gradHs, 1e-4, { relative: 'tensor', label: 'd/dhs ' });
  if (fixture.gradReferencePoints !== undefined)
    expectClose(grads[1]!, fixture.gradReferencePoints, 1e-4, {
      relative: 'tensor',
      label: 'd/dref ',
    });
  tf.dispose([value, ...grads]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([
    hs,
    ...(ref === undefined ? [] : [ref]),
    ...targets.flatMap((t) => [t.boxes, t.embeddings]),
  ]);
}

describe("DETReg's loss equals amirbar/DETReg's SetCriterion (PyTorch + SciPy golden)", () => {
  it('Deformable DETR: heads → matching (focal cost) → 2·focal + 5·L1 + 2·GIoU on 3 layers + 1·L_emb on the last, total and gradients within 1e-4', () => {
    const fixture = golden.deformable;
    const model = new DeformableDetregModel({
      ...tinyOptions(fixture),
      numLevels: 4,
      numPoints: 2,
    });
    assignStoredWeights(model.detectorVariables(), fixture.weights, { partial: true });
    check(fixture, true, (hs, ref) => model.predict(hs, ref!));
    tf.dispose([...model.variables().values()]);
  });

  it('DETR variant: softmax matching → 1·CE (eos 0.1) + 5·L1 + 2·GIoU on 3 layers + 1·L_emb on the last', () => {
    const fixture = golden.detr;
    const model = new DetrDetregModel({ ...tinyOptions(fixture), preNorm: true });
    assignStoredWeights(model.detectorVariables(), fixture.weights, { partial: true });
    check(fixture, false, (hs) => model.predict(hs));
    tf.dispose([...model.variables().values()]);
  });
});
