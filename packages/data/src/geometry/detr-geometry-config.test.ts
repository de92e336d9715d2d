import { describe, expect, it } from 'vitest';
import {
  DETREG_SCALES,
  detrGeometryConfigIssues,
  detrGeometryConfigSchema,
} from './detr-geometry-config.js';

describe('detrGeometryConfigSchema', () => {
  it("fills DETReg's defaults and keeps the user's values", () => {
    expect(detrGeometryConfigSchema.parse(undefined)).toEqual({
      flipP: 0.5,
      scales: [...DETREG_SCALES],
      maxSize: 600,
      plainResizeP: 0.5,
      cropResizes: [400, 500, 600],
      cropSize: [384, 600],
    });
    expect(detrGeometryConfigSchema.parse({ scales: [64], maxSize: 96 })).toMatchObject({
      scales: [64],
      maxSize: 96,
      flipP: 0.5,
    });
  });

  it('refuses unknown keys, a reversed cropSize and out-of-range probabilities', () => {
    expect(detrGeometryConfigSchema.safeParse({ scale: [64] }).success).toBe(false);
    expect(detrGeometryConfigSchema.safeParse({ cropSize: [600, 384] }).success).toBe(false);
    expect(detrGeometryConfigSchema.safeParse({ flipP: 1.5 }).success).toBe(false);
    expect(detrGeometryConfigSchema.safeParse({ scales: [] }).success).toBe(false);
  });
});

describe('detrGeometryConfigIssues', () => {
  const image = detrGeometryConfigSchema.parse({});

  it('accepts the defaults', () => {
    expect(detrGeometryConfigIssues(image, undefined)).toEqual([]);
  });

  it('names scales or imageSize when a shorter side exceeds maxSize, and a crop that cannot fit', () => {
    expect(detrGeometryConfigIssues({ ...image, maxSize: 400 }, undefined)).toEqual([
      {
        path: ['image', 'scales'],
        message: 'shorter sides must not exceed image.maxSize (400); got 480',
      },
    ]);
    expect(detrGeometryConfigIssues(image, 700)[0]!.path).toEqual(['imageSize']);
    expect(detrGeometryConfigIssues({ ...image, cropResizes: [300, 500] }, undefined)).toEqual([
      {
        path: ['image', 'cropResizes'],
        message:
          "image.cropResizes must be at least image.cropSize's minimum (384) so the crop fits; got [300, 500]",
      },
    ]);
  });
});
