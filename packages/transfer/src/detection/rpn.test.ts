import { Rng, selectBackend } from '@ssdet/core';
import { readReferenceJson } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnchorGenerator, featureGrids } from './anchor-generator.js';
import { RpnHead } from './rpn-head.js';
import { rpnProposals } from './rpn-proposals.js';

interface Packed {
  shape: number[];
  data: number[];
}
/** The RPN part of tools/reference/transfer/make_detection_fixtures.py (torchvision 0.14). */
interface RpnFixture {
  config: {
    inChannels: number;
    numAnchorsPerLocation: number;
    anchorSizes: number[][];
    aspectRatios: number[][];
  };
  paddedImageSize: [number, number];
  imageSizes: [number, number][];
  features: Packed[];
  headWeights: Record<string, Packed>;
  objectness: Packed[];
  predBboxDeltas: Packed[];
  numAnchorsPerLevel: number[];
  proposals: {
    count: number;
    boxesFirst50: number[][];
    scoresFirst50: number[];
    sumBoxes: number;
    sumScores: number;
  }[];
}

const rpn = readReferenceJson<{ rpnFilter: RpnFixture }>(
  'transfer',
  'detection_primitives.json',
).rpnFilter;

/** NCHW → NHWC, for one packed PyTorch tensor. */
const toNhwc = (packed: Packed) =>
  tf.tidy(
    () =>
      tf.transpose(
        tf.tensor4d(packed.data, packed.shape as [number, number, number, number]),
        [0, 2, 3, 1],
      ) as tf.Tensor4D,
  );

/** The head's outputs of image `n` flattened over levels in anchor order (y, x, anchor[, k]). */
function flattenImage(perLevel: readonly tf.Tensor4D[], n: number): Float32Array {
  const parts = perLevel.map((t) =>
    tf.tidy(() => t.slice([n, 0, 0, 0], [1, -1, -1, -1]).dataSync() as Float32Array),
  );
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('the RPN equals torchvision 0.14 in eval mode', () => {
  const anchors = new AnchorGenerator(rpn.config.anchorSizes, rpn.config.aspectRatios).anchors(
    featureGrids(
      rpn.paddedImageSize[0],
      rpn.paddedImageSize[1],
      rpn.features.map((f) => [f.shape[2]!, f.shape[3]!] as const),
    ),
  );

  it('RPNHead: objectness and deltas within 1e-5 from torchvision weights', () => {
    const head = new RpnHead(
      rpn.config.inChannels,
      rpn.config.numAnchorsPerLocation,
      Rng.fromSeed(0),
    );
    for (const [name, variable] of head.variables()) {
      const packed = rpn.headWeights[name]!;
      expect(packed, name).toBeDefined();
      tf.tidy(() => {
        const value =
          packed.shape.length === 4
            ? tf.transpose(
                tf.tensor4d(packed.data, packed.shape as [number, number, number, number]),
                [2, 3, 1, 0],
              )
            : tf.tensor(packed.data, packed.shape);
        variable.assign(value);
      });
    }
    const features = rpn.features.map(toNhwc);
    const out = head.forward(features, { training: false });
    out.logits.forEach((logits, level) => {
      const expected = toNhwc(rpn.objectness[level]!);
      expect(tf.max(tf.abs(tf.sub(logits, expected))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose(expected);
    });
    out.deltas.forEach((deltas, level) => {
      const expected = toNhwc(rpn.predBboxDeltas[level]!);
      expect(tf.max(tf.abs(tf.sub(deltas, expected))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose(expected);
    });
    tf.dispose([...features, ...out.logits, ...out.deltas]);
  });

  it('filter_proposals: the same proposals, in the same order, with the same scores', () => {
    const logits = rpn.objectness.map(toNhwc);
    const deltas = rpn.predBboxDeltas.map(toNhwc);
    rpn.imageSizes.forEach((imageSize, n) => {
      const expected = rpn.proposals[n]!;
      const { boxes, scores } = rpnProposals(
        flattenImage(logits, n),
        flattenImage(deltas, n),
        anchors,
        rpn.numAnchorsPerLevel,
        imageSize,
      );
      expect(scores.length, `image ${n}`).toBe(expected.count);
      const first = Array.from(boxes.subarray(0, 200));
      expected.boxesFirst50.flat().forEach((value, i) => expect(first[i]).toBeCloseTo(value, 3));
      expected.scoresFirst50.forEach((value, i) => expect(scores[i]).toBeCloseTo(value, 6));
      const sum = (values: Iterable<number>) => [...values].reduce((s, v) => s + v, 0);
      expect(sum(boxes) / expected.sumBoxes).toBeCloseTo(1, 5);
      expect(sum(scores) / expected.sumScores).toBeCloseTo(1, 5);
    });
    tf.dispose([...logits, ...deltas]);
  });
});
