import { readReferenceJson } from '@ssdet/test-support';
import { describe, expect, it } from 'vitest';
import { AnchorGenerator, featureGrids } from './anchor-generator.js';
import { BoxCoder } from './box-coder.js';
import { boxIouMatrix, clipBoxesToImage, removeSmallBoxes } from './box-ops.js';
import { matchPredictions } from './matcher.js';
import { batchedNms, nms } from './nms.js';

/** tools/reference/transfer/make_detection_fixtures.py, run on Debian's torchvision 0.14. */
interface Fixture {
  meta: { torchvision: string };
  anchors: {
    cases: {
      name: string;
      sizes: number[][];
      aspectRatios: number[][];
      paddedImageSize: [number, number];
      featureShapes: number[][];
      strides: [number, number][];
      cellAnchors: number[][][];
      anchors: number[][];
    }[];
  };
  boxCoder: {
    cases: {
      weights: [number, number, number, number];
      encode: { referenceBoxes: number[][]; proposals: number[][]; targets: number[][] };
      decode: { relCodes: number[][]; boxes: number[][]; predBoxes: number[][] };
    }[];
  };
  nms: {
    cases: {
      name: string;
      boxes: number[][];
      scores: number[];
      idxs: number[];
      results: { iouThreshold: number; keep: number[]; batchedKeep: number[] }[];
    }[];
  };
  matcher: {
    cases: {
      name: string;
      gtBoxes: number[][];
      anchors: number[][];
      results: {
        highThreshold: number;
        lowThreshold: number;
        allowLowQualityMatches: boolean;
        matches: number[];
      }[];
    }[];
  };
  boxIou: { cases: { name: string; boxes1: number[][]; boxes2: number[][]; iou: number[][] }[] };
  clipBoxesToImage: {
    cases: { imageSize: [number, number]; boxes: number[][]; clipped: number[][] }[];
  };
  removeSmallBoxes: { cases: { minSize: number; boxes: number[][]; keep: number[] }[] };
}

const fixture = readReferenceJson<Fixture>('transfer', 'detection_primitives.json');
const flat = (rows: number[][]) => Float32Array.from(rows.flat());

/** Elementwise within `tolerance` relative to max(1, |expected|). */
function expectNear(actual: ArrayLike<number>, expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(
      worst,
      Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)),
    );
  expect(worst).toBeLessThan(tolerance);
}

describe(`detection primitives equal torchvision ${fixture.meta.torchvision}`, () => {
  it.each(fixture.anchors.cases.map((c) => [c.name, c] as const))(
    'AnchorGenerator (%s): cell anchors rounded half to even, strides from the padded size, same order',
    (_, c) => {
      const generator = new AnchorGenerator(c.sizes, c.aspectRatios);
      c.cellAnchors.forEach((cells, level) =>
        expect(Array.from(generator.cellAnchors[level]!)).toEqual(cells.flat()),
      );
      const grids = featureGrids(
        c.paddedImageSize[0],
        c.paddedImageSize[1],
        c.featureShapes.map((shape) => [shape[2]!, shape[3]!] as const),
      );
      expect(grids.map((g) => [g.strideY, g.strideX])).toEqual(c.strides);
      expect(Array.from(generator.anchors(grids))).toEqual(c.anchors.flat());
    },
  );

  it('BoxCoder encodes and decodes as torchvision, clamping log sizes at log(1000/16)', () => {
    for (const c of fixture.boxCoder.cases) {
      const coder = new BoxCoder(c.weights);
      expectNear(
        coder.encode(flat(c.encode.referenceBoxes), flat(c.encode.proposals)),
        c.encode.targets.flat(),
        1e-5,
      );
      expectNear(
        coder.decode(flat(c.decode.relCodes), flat(c.decode.boxes)),
        c.decode.predBoxes.flat(),
        1e-5,
      );
    }
  });

  it('nms and batched_nms keep the same boxes in the same order', () => {
    for (const c of fixture.nms.cases) {
      for (const result of c.results) {
        expect(
          nms(flat(c.boxes), c.scores, result.iouThreshold),
          `${c.name} ${result.iouThreshold}`,
        ).toEqual(result.keep);
        expect(
          batchedNms(flat(c.boxes), c.scores, c.idxs, result.iouThreshold),
          `${c.name} batched ${result.iouThreshold}`,
        ).toEqual(result.batchedKeep);
      }
    }
  });

  it('Matcher: thresholds, ignored band and low-quality matches (ties included)', () => {
    for (const c of fixture.matcher.cases) {
      const quality = boxIouMatrix(flat(c.gtBoxes), flat(c.anchors));
      for (const r of c.results) {
        const matches = matchPredictions(
          quality,
          c.gtBoxes.length,
          c.anchors.length,
          r.highThreshold,
          r.lowThreshold,
          r.allowLowQualityMatches,
        );
        expect(Array.from(matches), `${c.name} ${r.highThreshold}/${r.lowThreshold}`).toEqual(
          r.matches,
        );
      }
    }
  });

  it('box_iou, clip_boxes_to_image and remove_small_boxes', () => {
    for (const c of fixture.boxIou.cases)
      expectNear(boxIouMatrix(flat(c.boxes1), flat(c.boxes2)), c.iou.flat(), 1e-6);
    for (const c of fixture.clipBoxesToImage.cases)
      expect(Array.from(clipBoxesToImage(flat(c.boxes), c.imageSize[0], c.imageSize[1]))).toEqual(
        c.clipped.flat(),
      );
    for (const c of fixture.removeSmallBoxes.cases)
      expect(removeSmallBoxes(flat(c.boxes), c.minSize)).toEqual(c.keep);
  });
});
