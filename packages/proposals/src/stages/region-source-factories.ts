import type { RegionSourceFactory } from '@ssdet/core';
import { createRegionSource, type RegionAlgorithm } from '../job/region-source-factory.js';

const DESCRIPTIONS: Readonly<Record<RegionAlgorithm, string>> = {
  'selective-search':
    'Selective Search, OpenCV ximgproc order (presets opencv-fast, detreg, soco, …)',
  fh: 'Felzenszwalb–Huttenlocher masks and their boxes (skimage or OpenCV semantics; DetCon)',
  'edge-boxes': 'EdgeBoxes (OpenCV ximgproc; preset siamese-detr)',
  random: 'random boxes (preset up-detr)',
};

/** The region sources of `@ssdet/proposals`, by the names `ssdet regions --algorithm` takes. */
export const REGION_SOURCE_FACTORIES: readonly RegionSourceFactory[] = (
  Object.keys(DESCRIPTIONS) as RegionAlgorithm[]
).map((algorithm) => ({
  name: algorithm,
  description: DESCRIPTIONS[algorithm],
  create: (parameters) => createRegionSource(algorithm, parameters),
}));
