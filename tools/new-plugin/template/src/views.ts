import { buildViews, type DependencyContainer, type ViewGenerator } from '@ssdet/core';

/** The names of __method__'s two views in a {@link Batch}. */
export const __NAME___VIEW_NAMES = ['view1', 'view2'] as const;

/**
 * __method__'s views: BYOL's two asymmetric augmentations of every image, the shared `byol` recipe
 * (Grill et al. 2020, appendix B): RandomResizedCrop(`imageSize`, scale 0.08–1), flip,
 * ColorJitter(0.4, 0.4, 0.2, 0.1) p 0.8, grayscale p 0.2, Gaussian blur p 1.0 / 0.1, solarize
 * p 0 / 0.2, ImageNet normalisation. `mocov2` is the other shared recipe; a paper with its own
 * views implements `ViewGenerator` here, every random draw on the `Rng` it is given.
 */
export function __name__Views(run: DependencyContainer, imageSize: number): ViewGenerator {
  return buildViews(run, 'byol', { imageSize, viewNames: __NAME___VIEW_NAMES }, '__method__');
}
