import type { DecodedImage, LabelMask } from '@ssdet/core';
import { fromDecoded, type InterleavedImage } from '../image/interleaved-image.js';
import { felzenszwalbSkimage } from './felzenszwalb-skimage.js';
import { graphSegmentationOpenCv } from './graph-segmentation-opencv.js';

/** Whose Felzenszwalb–Huttenlocher to reproduce: their label maps differ on the same photo. */
export type FelzenszwalbVariant = 'skimage' | 'opencv';

export interface FelzenszwalbOptions {
  /** skimage `scale` / OpenCV `k`; both on the 0–255 intensity scale. Larger → larger segments. */
  readonly scale: number;
  /** Standard deviation of the Gaussian pre-smoothing, pixels. */
  readonly sigma: number;
  /** Components smaller than this are merged into a neighbour afterwards. */
  readonly minSize: number;
  /** `skimage` (DetCon's masks; 8-connected) or `opencv` (Selective Search's; 4-connected). */
  readonly variant: FelzenszwalbVariant;
}

/**
 * Felzenszwalb–Huttenlocher graph segmentation of an RGB image; labels 0..n−1 numbered by
 * first appearance in raster order. See {@link felzenszwalbSkimage} and
 * {@link graphSegmentationOpenCv} for each variant's exact rules.
 */
export function felzenszwalb(
  image: DecodedImage | InterleavedImage,
  options: FelzenszwalbOptions,
): LabelMask {
  const input = 'pixels' in image ? fromDecoded(image) : image;
  return options.variant === 'skimage'
    ? felzenszwalbSkimage(input, options.scale, options.sigma, options.minSize)
    : graphSegmentationOpenCv(input, options.scale, options.sigma, options.minSize);
}
