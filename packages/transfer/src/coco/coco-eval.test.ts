import { describe, expect, it } from 'vitest';
import { checkGroundTruth, checkResults, type CocoGroundTruth } from './coco-format.js';
import { evaluateCoco } from './coco-eval.js';

const groundTruth: CocoGroundTruth = {
  images: [
    { id: 1, width: 200, height: 200 },
    { id: 2, width: 200, height: 200 },
  ],
  categories: [{ id: 7 }, { id: 9 }],
  annotations: [
    { id: 1, image_id: 1, category_id: 7, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 7, bbox: [100, 100, 50, 50], area: 2500, iscrowd: 0 },
    { id: 3, image_id: 2, category_id: 7, bbox: [0, 0, 200, 200], area: 40000, iscrowd: 1 },
  ],
};

describe('evaluateCoco (bbox)', () => {
  it('perfect detections score 1; a detection inside a crowd region is neither TP nor FP', () => {
    const results = [
      { image_id: 1, category_id: 7, bbox: [10, 10, 20, 20], score: 0.9 },
      { image_id: 1, category_id: 7, bbox: [100, 100, 50, 50], score: 0.8 },
      { image_id: 2, category_id: 7, bbox: [20, 20, 30, 30], score: 0.99 },
    ];
    const { stats, per_category_AP } = evaluateCoco(groundTruth, results, 'bbox');
    // Precision is tp / (tp + fp + ε): one part in 10¹⁶ under 1, as in pycocotools.
    for (const ap of stats.slice(0, 3)) expect(ap).toBeCloseTo(1, 12);
    // small (< 32²): object 1; medium: object 2; large: only the crowd region, so no AP.
    expect(stats[3]).toBeCloseTo(1, 12);
    expect(stats[4]).toBeCloseTo(1, 12);
    expect(stats[5]).toBe(-1);
    // AR@1: one detection per image and category; the crowd image's is ignored.
    expect(stats[6]).toBeCloseTo(0.5, 12);
    expect(stats[8]).toBe(1);
    expect(per_category_AP['7']).toBeCloseTo(1, 12);
    expect(per_category_AP['9']).toBe(-1);
  });

  it('a shifted box counts only at the thresholds its IoU reaches', () => {
    // IoU of [10,10,20,20] and [12,10,20,20] = 360 / 440 ≈ 0.818: a hit for 0.50–0.80 (7 of 10).
    const results = [{ image_id: 1, category_id: 7, bbox: [12, 10, 20, 20], score: 0.5 }];
    const { stats } = evaluateCoco(groundTruth, results, 'bbox');
    // Recall 1/2 at 7 thresholds: precision 1 up to recall 0.5 → 51/101 of the curve.
    expect(stats[0]).toBeCloseTo((7 / 10) * (51 / 101), 12);
    expect(stats[1]).toBeCloseTo(51 / 101, 12);
    expect(stats[2]).toBeCloseTo(51 / 101, 12); // 0.818 ≥ 0.75
    // Object 2 is never found: recall stays 1/2.
    expect(stats[8]).toBeCloseTo(7 / 10 / 2, 12);
  });

  it('checks its inputs, naming the file and the entry', () => {
    expect(() => checkGroundTruth({ images: [], annotations: {} }, 'val.json')).toThrow(
      /val\.json: annotations: expected an array/,
    );
    expect(() =>
      checkResults(
        [{ image_id: 3, category_id: 7, bbox: [0, 0, 1, 1], score: 1 }],
        groundTruth,
        'bbox',
        'dt.json',
      ),
    ).toThrow(
      /dt\.json: \[0\]\.image_id: expected an image id of the ground truth \(3 is not one\)/,
    );
    expect(() =>
      checkResults([{ image_id: 1, category_id: 7, score: 1 }], groundTruth, 'segm', 'dt.json'),
    ).toThrow(/dt\.json: \[0\]\.segmentation: expected an RLE/);
  });
});
