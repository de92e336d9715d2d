import { buildViews, type DependencyContainer, type ViewGenerator } from '@ssdet/core';

/** The names of DenseCL's two views in a {@link Batch}: `query` feeds θ_q, `key` feeds θ_k. */
export const DENSECL_VIEW_NAMES = ['query', 'key'] as const;

/**
 * DenseCL's views: two independent MoCo v2 augmentations of every image (paper §4; official
 * `train_pipeline`), the shared `mocov2` recipe: RandomResizedCrop(`imageSize`, scale 0.2–1),
 * ColorJitter(0.4, 0.4, 0.4, 0.1) p 0.8, grayscale p 0.2, Gaussian blur σ ∈ [0.1, 2] p 0.5,
 * horizontal flip, ImageNet normalisation. No regions: the dense correspondence is found in
 * feature space, not from the crops' geometry.
 */
export function denseclViews(run: DependencyContainer, imageSize: number): ViewGenerator {
  return buildViews(run, 'mocov2', { imageSize, viewNames: DENSECL_VIEW_NAMES }, 'densecl');
}
