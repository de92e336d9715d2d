import type { Regions, Rng, Sample, View, ViewGenerator } from '@ssdet/core';
import {
  applyPilColorJitter,
  cropGeometry,
  drawColorJitter,
  flipGeometry,
  identityGeometry,
  mapBox,
  normalize,
  pilGaussianBlur,
  pilGrayscaleImage,
  renderView,
  sampleRandomResizedCrop,
  type Box,
  type RgbImage,
} from '@ssdet/data';
import { expandMask, regionMask } from './regions/region-grid.js';

/** PLRC's three views: `query` → encoder, `key` and `extra` → momentum encoder. */
export const PLRC_VIEW_NAMES = ['query', 'key', 'extra'] as const;

export interface PlrcViewOptions {
  readonly imageSize: number;
  readonly cropScale: readonly [number, number];
  readonly minOverlap: number;
  readonly maxRedraws: number;
  readonly grid: number;
  readonly maskSize: number;
}

/** Intersection over the larger area of two crops (official: shapely polygons). */
export function cropOverlap(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (box: Box) => (box[2] - box[0]) * (box[3] - box[1]);
  return (w * h) / Math.max(area(a), area(b));
}

/**
 * PLRC's views (Bai et al., CVPR 2022, §4; official `ImageNet.__getitem__`). Two "scales", each a
 * pair of RandomResizedCrop(`imageSize`, scale 0.2–1) boxes, each pair redrawn until intersection /
 * larger area ≥ 0.5 (at most 100 redraws); of the four crops the official model reads three:
 *
 * - `query`: scale 0, first crop → the encoder, with its region mask;
 * - `extra`: scale 0, second crop → the momentum encoder, the distillation teacher;
 * - `key`: scale 1, first crop → the momentum encoder, with its region mask (scale 1's second crop
 *   is drawn, since it constrains the key's crop, but never rendered).
 *
 * Each view: a flip with p 0.5 (the region mask flips with it), ColorJitter(0.4, 0.4, 0.4, 0.1)
 * p 0.8, grayscale p 0.2, PIL Gaussian blur σ ∈ [0.1, 2] p 0.5, ImageNet normalisation — MoCo v2's
 * PIL pipeline. The region mask is the fixed `grid × grid` lattice of the source
 * ({@link regionMask}) at `maskSize`², carried at the view's resolution as its label mask. `query`
 * and `extra` carry one box, the whole source image mapped into the view, from which the method
 * recovers the official crop coordinates.
 */
export class PlrcViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[] = PLRC_VIEW_NAMES;
  readonly needsRegions = false;

  constructor(readonly options: PlrcViewOptions) {}

  generate(sample: Sample, _regions: Regions | undefined, rng: Rng): View[] {
    const { width, height } = sample.image;
    const [queryBox, extraBox] = this.cropPair(width, height, rng.fork('scale-0'));
    const [keyBox] = this.cropPair(width, height, rng.fork('scale-1'));
    const boxes: Record<(typeof PLRC_VIEW_NAMES)[number], Box> = {
      query: queryBox,
      key: keyBox,
      extra: extraBox,
    };
    return PLRC_VIEW_NAMES.map((name) => this.view(sample, name, boxes[name], rng.fork(name)));
  }

  private cropPair(width: number, height: number, rng: Rng): [Box, Box] {
    const scale = this.options.cropScale;
    for (let draw = 0; ; draw++) {
      const first = sampleRandomResizedCrop(rng, width, height, { scale });
      const second = sampleRandomResizedCrop(rng, width, height, { scale });
      if (cropOverlap(first, second) >= this.options.minOverlap || draw >= this.options.maxRedraws)
        return [first, second];
    }
  }

  private view(sample: Sample, name: string, box: Box, rng: Rng): View {
    const { imageSize, grid, maskSize } = this.options;
    const source = sample.image;
    let geometry = cropGeometry(
      identityGeometry(source.width, source.height),
      box,
      imageSize,
      imageSize,
    );
    if (rng.bernoulli(0.5)) geometry = flipGeometry(geometry);
    let image: RgbImage = {
      width: imageSize,
      height: imageSize,
      data: renderView(source, geometry),
    };
    if (rng.bernoulli(0.8)) {
      const draw = drawColorJitter(rng, {
        brightness: 0.4,
        contrast: 0.4,
        saturation: 0.4,
        hue: 0.1,
      });
      applyPilColorJitter(image, draw);
    }
    if (rng.bernoulli(0.2)) pilGrayscaleImage(image);
    if (rng.bernoulli(0.5)) image = pilGaussianBlur(image, rng.uniform(0.1, 2));
    normalize(image);
    const view: View = { name, width: imageSize, height: imageSize, pixels: image.data, geometry };
    if (name === 'extra' || name === 'query') {
      const whole = mapBox(geometry, [0, 0, source.width, source.height]);
      Object.assign(view, { boxes: Float32Array.from(whole), boxIds: Int32Array.from([0]) });
    }
    if (name !== 'extra') {
      const labels = regionMask(geometry, source, grid, maskSize);
      Object.assign(view, {
        mask: {
          width: imageSize,
          height: imageSize,
          labels: expandMask(labels, maskSize, imageSize / maskSize),
        },
      });
    }
    return view;
  }
}
