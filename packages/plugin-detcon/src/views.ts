import {
  SsdetError,
  type Regions,
  type Rng,
  type Sample,
  type View,
  type ViewGenerator,
} from '@ssdet/core';
import { SpecViewGenerator, byolViews } from '@ssdet/data';

/** The names of DetCon's two views in a {@link Batch}. */
export const DETCON_VIEW_NAMES = ['view1', 'view2'] as const;

/**
 * DetCon's two views (Hénaff et al., ICCV 2021, §3.2, which re-uses BYOL's augmentations; official
 * `tf_image_ops.preprocess_image` and `augmentations.py`), each with the image's
 * Felzenszwalb–Huttenlocher mask carried through the same geometry:
 *
 * - RandomResizedCrop(`imageSize`, area 0.08–1, ratio 3/4–4/3) and a flip with p 0.5; the mask
 *   gets the same crop and flip, resampled nearest-neighbour (`@ssdet/data`'s `mapMaskToView`);
 * - ColorJitter(0.4, 0.4, 0.2, 0.1) p 0.8 in random order, grayscale p 0.2, Gaussian blur
 *   σ ∈ [0.1, 2] with p 1.0 (view 1) / 0.1 (view 2), solarize p 0 / 0.2, ImageNet normalisation —
 *   the shared `byol` recipe ({@link byolViews}).
 *
 * The mask comes from the method's region source (`regions`, FH by default); without one, the
 * dataset's instance masks are used (the paper's ground-truth-mask ablation). A sample with
 * neither is refused.
 */
export class DetconViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[] = DETCON_VIEW_NAMES;
  readonly needsRegions = true;
  private readonly base: SpecViewGenerator;

  constructor(readonly imageSize: number) {
    this.base = new SpecViewGenerator(byolViews(imageSize, [...DETCON_VIEW_NAMES]), {
      needsRegions: true,
    });
  }

  async generate(sample: Sample, regions: Regions | undefined, rng: Rng): Promise<View[]> {
    if (regions?.mask === undefined && sample.annotations?.instanceMask === undefined) {
      throw new SsdetError(
        'DETCON_NO_MASK',
        `DetCon needs a segmentation of ${sample.record.path}: its region source gave no mask and the dataset has no instance masks.`,
        {
          hint: 'Use a region source that returns masks (regions.algorithm=fh, the default).',
        },
      );
    }
    return this.base.generate(sample, regions, rng);
  }
}
