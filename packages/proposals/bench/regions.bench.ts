import { Rng, type DecodedImage } from '@ssdet/core';
import { readReferenceFixture } from '@ssdet/test-support';
import { bench, describe } from 'vitest';
import { edgeBoxes, EDGE_BOXES_DEFAULTS } from '../src/edge-boxes/edge-boxes.js';
import { edgeMaps } from '../src/edge-boxes/edge-map.js';
import { resizeBilinear } from '../src/image/resize-bilinear.js';
import { felzenszwalb } from '../src/segmentation/felzenszwalb.js';
import {
  selectiveSearch,
  selectiveSearchConfig,
} from '../src/selective-search/selective-search.js';

// A 500 × 375 photo: the chelsea fixture (128 × 85) scaled up — the python twin of this bench,
// tools/reference/proposals/time_reference.py, times skimage/OpenCV on the same pixels.
const small: DecodedImage = {
  width: 128,
  height: 85,
  pixels: new Uint8Array(readReferenceFixture('proposals', 'images', 'chelsea.rgb')),
};
const image = resizeBilinear(small, 500, 375);
const heavy = { iterations: 3, time: 0, warmupIterations: 1 };

describe('proposals at 500 × 375 (seconds per image = mean)', () => {
  bench(
    'felzenszwalb skimage (DetCon: 1000 / 0.8 / 1000)',
    () => {
      felzenszwalb(image, { scale: 1000, sigma: 0.8, minSize: 1000, variant: 'skimage' });
    },
    heavy,
  );
  bench(
    'felzenszwalb opencv (k 300, σ 0.9, min 100)',
    () => {
      felzenszwalb(image, { scale: 300, sigma: 0.9, minSize: 100, variant: 'opencv' });
    },
    heavy,
  );
  bench(
    'selective search, OpenCV fast mode',
    () => {
      selectiveSearch(image, selectiveSearchConfig('fast'), Rng.fromSeed(0));
    },
    heavy,
  );
  bench(
    'edge boxes (edge map + box search, 512 boxes)',
    () => {
      const maps = edgeMaps(image);
      edgeBoxes(maps.edges, maps.orientation, image.width, image.height, {
        ...EDGE_BOXES_DEFAULTS,
        maxBoxes: 512,
      });
    },
    heavy,
  );
});
