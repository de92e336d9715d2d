import { z } from 'zod';

const probability = z.number().min(0).max(1);

/**
 * The config fields of SimCLR's colour and blur augmentation as the DETR-family methods apply it
 * to crops and strong views (UP-DETR's and DETReg's `get_query_transforms('train')`):
 * `RandomApply([ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8)`, `RandomGrayscale(p=0.2)`,
 * `RandomApply([GaussianBlur([.1, 2.])], p=0.5)`. A shape to spread into a method's block
 * (`z.object({ size, ...simclrColorAugmentationFields })`), so each method keeps its own keys
 * around it.
 */
export const simclrColorAugmentationFields = {
  colorJitter: z
    .object({
      brightness: z.number().min(0).default(0.4),
      contrast: z.number().min(0).default(0.4),
      saturation: z.number().min(0).default(0.4),
      hue: z.number().min(0).max(0.5).default(0.1),
      p: probability.default(0.8),
    })
    .strict()
    .prefault({}),
  /** `RandomGrayscale(p=0.2)`. */
  grayscale: probability.default(0.2),
  /** `GaussianBlur` with σ ~ U[sigma] (SimCLR's), applied with probability p. */
  blur: z
    .object({
      sigma: z
        .tuple([z.number().positive(), z.number().positive()])
        .refine(([low, high]) => low <= high, 'sigma must be [low, high] with low ≤ high')
        .default([0.1, 2]),
      p: probability.default(0.5),
    })
    .strict()
    .prefault({}),
};
