import { z } from 'zod';

const probability = z.number().min(0).max(1);
const sides = z.array(z.number().int().min(16)).min(1);

/**
 * The multi-scale list of DETReg / UP-DETR's `make_self_det_transforms('train')`: 320 … 480 in
 * steps of 16, without 384.
 */
export const DETREG_SCALES: readonly number[] = [320, 336, 352, 368, 400, 416, 432, 448, 464, 480];

/**
 * The `image` block of a DETR-family method's config: `drawDetrGeometry`'s options with DETReg's
 * defaults (`datasets/selfdet.py`), which methods built on DETReg's data pipeline inherit. Check
 * it with {@link detrGeometryConfigIssues}.
 */
export const detrGeometryConfigSchema = z
  .object({
    /** `RandomHorizontalFlip()`: p 0.5. */
    flipP: probability.default(0.5),
    /** `RandomResize(scales, max_size=600)`: the final shorter side drawn from the list. */
    scales: sides.default([...DETREG_SCALES]),
    /** `max_size=600`; also the side of the canvas images are padded to in a batch. */
    maxSize: z.number().int().min(32).default(600),
    /**
     * `RandomSelect(p=0.5)`: with this probability the plain resize; otherwise
     * `RandomResize([400, 500, 600])` → `RandomSizeCrop(384, 600)` → `RandomResize(scales, 600)`.
     */
    plainResizeP: probability.default(0.5),
    /** `RandomResize([400, 500, 600])` before the crop (no max size). */
    cropResizes: sides.default([400, 500, 600]),
    /** `RandomSizeCrop(384, 600)`: crop width and height drawn in [min, min(side, max)]. */
    cropSize: z
      .tuple([z.number().int().min(8), z.number().int().min(8)])
      .refine(([low, high]) => low <= high, 'cropSize must be [min, max] with min ≤ max')
      .default([384, 600]),
  })
  .strict()
  .prefault({});

export type DetrGeometryConfig = z.output<typeof detrGeometryConfigSchema>;

/** One problem a method's `superRefine` reports, with its path in the whole config. */
export interface DetrGeometryConfigIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * What `image` (and an `imageSize` override of every shorter side) must satisfy together: no
 * shorter side above `maxSize`, and the crop's minimum within every pre-crop resize so the crop
 * fits. For a method's `superRefine` (`context.addIssue({ code: 'custom', ...issue })`).
 */
export function detrGeometryConfigIssues(
  image: DetrGeometryConfig,
  imageSize: number | undefined,
): DetrGeometryConfigIssue[] {
  const issues: DetrGeometryConfigIssue[] = [];
  const shorterSides = imageSize === undefined ? image.scales : [imageSize];
  if (Math.max(...shorterSides) > image.maxSize) {
    issues.push({
      path: imageSize === undefined ? ['image', 'scales'] : ['imageSize'],
      message: `shorter sides must not exceed image.maxSize (${image.maxSize}); got ${Math.max(...shorterSides)}`,
    });
  }
  if (Math.min(...image.cropResizes) < image.cropSize[0]) {
    issues.push({
      path: ['image', 'cropResizes'],
      message: `image.cropResizes must be at least image.cropSize's minimum (${image.cropSize[0]}) so the crop fits; got [${image.cropResizes.join(', ')}]`,
    });
  }
  return issues;
}
