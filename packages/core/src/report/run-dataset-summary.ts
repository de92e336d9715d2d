import { z } from 'zod';

const rangeSchema = z.object({ min: z.number(), median: z.number(), max: z.number() }).strict();

/**
 * `dataset.json` of a run directory, written at run start by `ssdet pretrain` (@ssdet/data's
 * runPretraining): what the run trained on, for `ssdet report`. Image sizes are measured on
 * the images whose size the dataset knows (COCO json) or on an even sample of the files.
 */
export const runDatasetSummarySchema = z
  .object({
    /** E.g. `folder /data/coco/train2017`. */
    description: z.string(),
    images: z.number().int().nonnegative(),
    imageSizes: z
      .object({
        /** Images whose size went into the ranges. */
        measured: z.number().int().positive(),
        width: rangeSchema,
        height: rangeSchema,
      })
      .strict()
      .optional(),
  })
  .passthrough();

export type RunDatasetSummary = z.output<typeof runDatasetSummarySchema>;
