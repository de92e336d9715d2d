import { readReferenceJson } from '@ssdet/test-support';
import { describe, expect, it } from 'vitest';
import { segmentationToRle } from './annotation-mask.js';
import { defaultCocoEvalParams } from './coco-eval-params.js';
import { evaluateCoco } from './coco-eval.js';
import { checkGroundTruth, checkResults, type CocoResult, type IouType } from './coco-format.js';
import { boxIou, maskIou } from './iou.js';
import {
  decodeRleCounts,
  encodeRleCounts,
  rleArea,
  rleFromBitmap,
  rleFromPolygon,
  rleToBox,
  rleUnion,
} from '@ssdet/data';

/** tools/reference/transfer/make_coco_eval_fixtures.py, run on cocodataset/cocoapi's COCOeval. */
interface Fixture {
  readonly pycocotools: string;
  readonly defaults: { readonly iouThrs: number[]; readonly recThrs: number[] };
  readonly cases: readonly {
    readonly name: string;
    readonly iouType: IouType;
    readonly gt: unknown;
    readonly dt: unknown;
    readonly stats: number[];
    readonly perCategoryAP: Record<string, number>;
    readonly params?: { readonly maxDets?: number[] };
  }[];
  readonly polygonRle: readonly {
    polygon: number[];
    height: number;
    width: number;
    counts: string;
    area: number;
    bbox: number[];
    note?: string;
  }[];
  readonly mergedPolygonRle: readonly {
    polygons: number[][];
    height: number;
    width: number;
    counts: string;
    area: number;
  }[];
  readonly encode: readonly {
    height: number;
    width: number;
    rows: string[];
    counts: string;
    uncompressed: number[];
  }[];
  readonly iou: readonly {
    type: 'bbox' | 'segm';
    dt: unknown[];
    gt: unknown[];
    iscrowd: number[];
    iou: number[][];
  }[];
  readonly area: readonly {
    rle: { size: [number, number]; counts: string };
    area: number;
    bbox: number[];
  }[];
}

const fixture = readReferenceJson<Fixture>('transfer', 'coco_eval.json');

describe(`COCO evaluation equals pycocotools (${fixture.pycocotools})`, () => {
  it('uses the same IoU and recall thresholds as numpy.linspace', () => {
    const params = defaultCocoEvalParams('bbox');
    expect(params.iouThresholds).toEqual(fixture.defaults.iouThrs);
    expect(params.recallThresholds).toEqual(fixture.defaults.recThrs);
  });

  for (const testCase of fixture.cases) {
    it(`${testCase.name}: the 12 stats and per-category AP within 1e-12`, () => {
      const groundTruth = checkGroundTruth(testCase.gt, testCase.name);
      const results: CocoResult[] = checkResults(
        testCase.dt,
        groundTruth,
        testCase.iouType,
        testCase.name,
      );
      const params = defaultCocoEvalParams(
        testCase.iouType,
        testCase.params?.maxDets === undefined ? {} : { maxDets: testCase.params.maxDets },
      );
      const evaluation = evaluateCoco(groundTruth, results, testCase.iouType, params);
      expect(evaluation.stats).toHaveLength(12);
      evaluation.stats.forEach((value, i) =>
        expect(value, `stats[${i}]`).toBeCloseTo(testCase.stats[i]!, 12),
      );
      expect(Object.keys(evaluation.per_category_AP).sort()).toEqual(
        Object.keys(testCase.perCategoryAP).sort(),
      );
      for (const [category, ap] of Object.entries(testCase.perCategoryAP))
        expect(evaluation.per_category_AP[category], `category ${category}`).toBeCloseTo(ap, 12);
    });
  }
});

describe("COCO masks equal pycocotools' mask API", () => {
  it('rasterises polygons bit for bit (frPyObjects), with area and toBbox', () => {
    for (const entry of fixture.polygonRle) {
      const rle = rleFromPolygon(entry.polygon, entry.height, entry.width);
      expect(encodeRleCounts(rle.counts), entry.note).toBe(entry.counts);
      expect(rleArea(rle), entry.note).toBe(entry.area);
      expect(rleToBox(rle), entry.note).toEqual(entry.bbox);
    }
    for (const entry of fixture.mergedPolygonRle) {
      const merged = rleUnion(
        entry.polygons.map((polygon) => rleFromPolygon(polygon, entry.height, entry.width)),
      );
      expect(encodeRleCounts(merged.counts)).toBe(entry.counts);
      expect(rleArea(merged)).toBe(entry.area);
    }
  });

  it('encodes masks as mask.encode does, compressed and not', () => {
    for (const entry of fixture.encode) {
      const bits = new Uint8Array(entry.height * entry.width);
      entry.rows.forEach((row, y) => {
        for (let x = 0; x < entry.width; x++) bits[x * entry.height + y] = row[x] === '1' ? 1 : 0;
      });
      const rle = rleFromBitmap(bits, entry.height, entry.width);
      expect(Array.from(rle.counts)).toEqual(entry.uncompressed);
      expect(encodeRleCounts(rle.counts)).toBe(entry.counts);
      expect(Array.from(decodeRleCounts(entry.counts))).toEqual(entry.uncompressed);
    }
  });

  it('computes box and mask IoU as maskUtils.iou, crowd regions included', () => {
    for (const entry of fixture.iou) {
      const crowd = entry.iscrowd.map((flag) => flag !== 0);
      const ious =
        entry.type === 'bbox'
          ? boxIou(entry.dt as number[][], entry.gt as number[][], crowd)
          : maskIou(
              (entry.dt as { size: [number, number]; counts: string }[]).map((s) =>
                segmentationToRle(s, s.size[0], s.size[1]),
              ),
              (entry.gt as { size: [number, number]; counts: string }[]).map((s) =>
                segmentationToRle(s, s.size[0], s.size[1]),
              ),
              crowd,
            );
      const columns = entry.gt.length;
      entry.iou.forEach((row, d) =>
        row.forEach((value, g) => expect(ious[d * columns + g]).toBeCloseTo(value, 12)),
      );
    }
  });

  it('gives the area and bounding box of an RLE as maskUtils.area and toBbox', () => {
    for (const entry of fixture.area) {
      const rle = segmentationToRle(entry.rle, entry.rle.size[0], entry.rle.size[1]);
      expect(rleArea(rle)).toBe(entry.area);
      expect(rleToBox(rle)).toEqual(entry.bbox);
    }
  });
});
