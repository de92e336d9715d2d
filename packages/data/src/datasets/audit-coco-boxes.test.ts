import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditCocoBoxes, describeBoxAudit } from './audit-coco-boxes.js';
import { CocoDataset } from './coco-dataset.js';

const sizes = new Map([
  ['1', { width: 100, height: 80 }],
  ['2', { width: 50, height: 50 }],
]);

describe('auditCocoBoxes', () => {
  it('counts empty, outside and clipped boxes, and names the first', () => {
    const audit = auditCocoBoxes(
      [
        { id: 10, image_id: 1, bbox: [10, 10, 20, 20] }, // fine
        { id: 11, image_id: 1, bbox: [10, 10, -5, 20] }, // negative width
        { id: 12, image_id: 1, bbox: [10, 10, 20, 0] }, // no height
        { id: 13, image_id: 2, bbox: [60, 0, 10, 10] }, // right of the image
        { id: 14, image_id: 2, bbox: [-5, 40, 20, 20] }, // past two edges
        { id: 15, image_id: 2, bbox: [-50, 0, 10, 10], iscrowd: 1 }, // crowd: not an object
        { id: 16, image_id: 3, bbox: [500, 500, 5, 5] }, // unknown size: only the extent is checked
      ],
      sizes,
    );
    expect(audit).toEqual({
      total: 6,
      empty: 2,
      outside: 1,
      clipped: 1,
      example: 'annotation 11 of image 1: [10, 10, -5, 20] on a 100 × 80 image',
    });
    expect(describeBoxAudit(audit, 'coco a.json')).toBe(
      "coco a.json: 3 of 6 boxes are left out (2 with a zero or negative width or height, 1 entirely outside their image); 1 reach past their image's edge and are clipped to it. E.g. annotation 11 of image 1: [10, 10, -5, 20] on a 100 × 80 image.",
    );
  });

  it('says nothing when every box is inside its image', () => {
    const audit = auditCocoBoxes([{ image_id: 1, bbox: [0, 0, 100, 80] }], sizes);
    expect(describeBoxAudit(audit, 'x')).toBeUndefined();
  });

  it("a pre-training COCO dataset carries the warning for the run's log", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ssdet-audit-'));
    try {
      const file = path.join(dir, 'a.json');
      await writeFile(
        file,
        JSON.stringify({
          images: [{ id: 1, file_name: 'a.jpg', width: 100, height: 80 }],
          annotations: [
            { id: 5, image_id: 1, bbox: [120, 0, 10, 10], category_id: 1 },
            { id: 6, image_id: 1, bbox: [0, 0, 10, 10], category_id: 1 },
          ],
        }),
      );
      const dataset = await CocoDataset.open(file);
      expect(dataset.warnings).toEqual([
        `The COCO file ${file}: 1 of 2 boxes are left out (1 entirely outside their image). E.g. annotation 5 of image 1: [120, 0, 10, 10] on a 100 × 80 image.`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
