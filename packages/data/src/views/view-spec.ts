import { z } from 'zod';

const probability = z.number().min(0).max(1);
const range = z
  .tuple([z.number(), z.number()])
  .refine(([low, high]) => low <= high, 'the range must be [low, high] with low ≤ high');
/**
 * Which implementation a colour step follows. `torchvision`: torchvision's tensor path on the
 * float image (BYOL-style pipelines). `pil`: torchvision's PIL path / Pillow on the 8-bit image,
 * bit for bit (the float image is rounded to 8 bits first, the result is `k / 255`), as the
 * official MoCo v2, DenseCL and SoCo views, which augment PIL images.
 */
const algorithm = z.enum(['torchvision', 'pil']).default('torchvision');

const size = z.union([
  z.number().int().positive(),
  z.tuple([z.number().int().positive(), z.number().int().positive()]),
]);

/**
 * One step of a view recipe. Geometric steps (crops, resizes, flips) come first and are composed
 * into one resampling of the source; photometric steps then run on the float image, in order.
 * Recipes are data, so a run's `config.yaml` shows exactly which augmentations it used.
 */
export const viewStepSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('randomResizedCrop'),
      size,
      scale: range.default([0.08, 1]),
      ratio: range.default([3 / 4, 4 / 3]),
    })
    .strict(),
  z.object({ op: z.literal('resize'), size }).strict(),
  z
    .object({
      op: z.literal('resizeShorterSide'),
      sizes: z.array(z.number().int().positive()).min(1),
      maxSize: z.number().int().positive().optional(),
    })
    .strict(),
  z.object({ op: z.literal('horizontalFlip'), p: probability.default(0.5) }).strict(),
  z
    .object({
      op: z.literal('colorJitter'),
      brightness: z.number().min(0).default(0.4),
      contrast: z.number().min(0).default(0.4),
      saturation: z.number().min(0).default(0.4),
      hue: z.number().min(0).max(0.5).default(0.1),
      p: probability.default(0.8),
      algorithm,
    })
    .strict(),
  z.object({ op: z.literal('grayscale'), p: probability.default(0.2), algorithm }).strict(),
  z
    .object({
      op: z.literal('gaussianBlur'),
      sigma: range.default([0.1, 2]),
      /**
       * `torchvision`: a sampled Gaussian kernel of `kernelSize` taps. `pil`: Pillow's
       * `ImageFilter.GaussianBlur(radius=σ)`, three extended box filters.
       */
      algorithm,
      /** torchvision only. Odd; default: the odd number nearest 10% of the view side (23 at 224). */
      kernelSize: z.number().int().positive().optional(),
      p: probability.default(0.5),
    })
    .strict()
    .refine((step) => step.algorithm === 'torchvision' || step.kernelSize === undefined, {
      message:
        "kernelSize applies to algorithm 'torchvision' only (Pillow's blur has no kernel size)",
      path: ['kernelSize'],
    }),
  z
    .object({
      op: z.literal('solarize'),
      threshold: z.number().default(0.5),
      p: probability.default(0.2),
    })
    .strict(),
  z
    .object({
      op: z.literal('normalize'),
      mean: z.array(z.number()).length(3).optional(),
      std: z.array(z.number().positive()).length(3).optional(),
    })
    .strict(),
]);

export type ViewStep = z.output<typeof viewStepSchema>;
export type ViewStepInput = z.input<typeof viewStepSchema>;

export const viewSpecSchema = z
  .object({ name: z.string().min(1), steps: z.array(viewStepSchema) })
  .strict();

export type ViewSpec = z.output<typeof viewSpecSchema>;
export type ViewSpecInput = z.input<typeof viewSpecSchema>;

const GEOMETRIC_OPS = new Set([
  'randomResizedCrop',
  'resize',
  'resizeShorterSide',
  'horizontalFlip',
]);

export function isGeometricStep(step: ViewStep): boolean {
  return GEOMETRIC_OPS.has(step.op);
}
