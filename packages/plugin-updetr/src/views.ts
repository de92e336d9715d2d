import {
  SsdetError,
  type Regions,
  type Rng,
  type Sample,
  type View,
  type ViewGenerator,
  type ViewGeometry,
} from '@ssdet/core';
import {
  BadImageError,
  applyPilColorJitter,
  drawColorJitter,
  identityGeometry,
  mapBox,
  normalize,
  pilGaussianBlur,
  pilGrayscaleImage,
  renderView,
  resizeGeometry,
  shorterSideSize,
  topLeftCanvas,
  type Box,
  type ColorJitterStrength,
  type RgbImage,
} from '@ssdet/data';

/** The name of the detection image view; the query patches are `patch-0` … `patch-{M−1}`. */
export const IMAGE_VIEW = 'image';

export function patchViewName(index: number): string {
  return `patch-${index}`;
}

export interface UpdetrViewOptions {
  /** Shorter sides to choose from (UP-DETR: 320, 336, …, 480). */
  readonly scales: readonly number[];
  /** Longer side at most this (600); also the side of the square canvas images are padded to. */
  readonly maxSize: number;
  /** M, query patches per image (10). */
  readonly numPatches: number;
  /** Square patch side after resizing (128). */
  readonly patchSize: number;
  readonly colorJitter: ColorJitterStrength & { readonly p: number };
  readonly grayscale: number;
  readonly blur: { readonly sigma: readonly [number, number]; readonly p: number };
}

/**
 * UP-DETR's views (`datasets/selfdet.py`, `SelfDet.__getitem__`). The regions are the M random
 * patch boxes of `get_random_patch_from_img` (from `@ssdet/proposals`' `RandomBoxesSource`),
 * drawn on the original image; then
 *
 * - `image`: the whole image, shorter side resized to a random scale, longer side ≤ maxSize
 *   (`RandomResize(scales, max_size)`, no flip), ImageNet-normalised, with the patch boxes mapped
 *   into it (box ids 0 … M−1). DETR pads a batch to its largest image; views of one batch must
 *   share a size here, so the image sits in the top-left corner of a `maxSize × maxSize` canvas
 *   of zeros, and its `geometry.width/height` are the image's own size — the method crops the
 *   batch to the largest image and builds DETR's pixel mask from them.
 * - `patch-k`: patch k cropped from the original image, resized to patchSize² (torchvision's
 *   antialiased bilinear), then SimCLR's colour augmentations (`get_query_transforms`): colour
 *   jitter (p 0.8), grayscale (p 0.2), Gaussian blur σ ~ U[0.1, 2] (p 0.5), normalised.
 *
 * An image with a side ≤ 2·minPixel (16 px) has no patches; it is rejected as a bad image
 * (UP-DETR skips it too).
 */
export class UpdetrViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[];
  readonly needsRegions = true;

  constructor(readonly options: UpdetrViewOptions) {
    if (options.scales.length === 0 || options.scales.some((s) => s > options.maxSize)) {
      throw new SsdetError(
        'UPDETR_VIEW_OPTIONS',
        `UP-DETR views: scales must be non-empty and at most maxSize (${options.maxSize}); got [${options.scales.join(', ')}].`,
      );
    }
    this.viewNames = [
      IMAGE_VIEW,
      ...Array.from({ length: options.numPatches }, (_, k) => patchViewName(k)),
    ];
  }

  generate(sample: Sample, regions: Regions | undefined, rng: Rng): View[] {
    const { image, record } = sample;
    const { numPatches } = this.options;
    const boxes = regions?.boxes ?? new Float32Array(0);
    if (boxes.length < numPatches * 4) {
      throw new BadImageError(
        record.path,
        'unsupported',
        `UP-DETR needs ${numPatches} random patches but got ${boxes.length / 4} for a ${image.width} × ${image.height} image (both sides must exceed 16 px)`,
      );
    }
    const patchBoxes: Box[] = Array.from(
      { length: numPatches },
      (_, k) => Array.from(boxes.subarray(k * 4, k * 4 + 4)) as unknown as Box,
    );
    const patches = patchBoxes.map((box, k) =>
      this.patchView(sample, box, k, rng.fork(patchViewName(k))),
    );
    return [this.imageView(sample, patchBoxes, rng.fork(IMAGE_VIEW)), ...patches];
  }

  private imageView(sample: Sample, patchBoxes: readonly Box[], rng: Rng): View {
    const { image } = sample;
    const { maxSize } = this.options;
    const scale = rng.choice(this.options.scales);
    const [fullHeight, fullWidth] = shorterSideSize(image.width, image.height, scale, maxSize);
    // DETR's size rule can overshoot maxSize by a pixel or so for extreme aspect ratios.
    const width = Math.min(fullWidth, maxSize);
    const height = Math.min(fullHeight, maxSize);
    const geometry = resizeGeometry(identityGeometry(image.width, image.height), width, height);
    const content: RgbImage = { width, height, data: renderView(image, geometry) };
    normalize(content);
    const canvas = topLeftCanvas(content, maxSize);
    const mapped = new Float32Array(patchBoxes.length * 4);
    patchBoxes.forEach((box, k) => mapped.set(mapBox(geometry, box), k * 4));
    return {
      name: IMAGE_VIEW,
      width: maxSize,
      height: maxSize,
      pixels: canvas,
      geometry,
      boxes: mapped,
      boxIds: Int32Array.from(patchBoxes, (_, k) => k),
    };
  }

  private patchView(sample: Sample, box: Box, index: number, rng: Rng): View {
    const { patchSize, colorJitter, blur } = this.options;
    const geometry: ViewGeometry = {
      sourceBox: box,
      flipped: false,
      width: patchSize,
      height: patchSize,
    };
    let patch: RgbImage = {
      width: patchSize,
      height: patchSize,
      data: renderView(sample.image, geometry),
    };
    // The official query transform works on PIL images: 8-bit jitter, grayscale and blur.
    if (rng.bernoulli(colorJitter.p)) applyPilColorJitter(patch, drawColorJitter(rng, colorJitter));
    if (rng.bernoulli(this.options.grayscale)) pilGrayscaleImage(patch);
    if (rng.bernoulli(blur.p))
      patch = pilGaussianBlur(patch, rng.uniform(blur.sigma[0], blur.sigma[1]));
    normalize(patch);
    return {
      name: patchViewName(index),
      width: patchSize,
      height: patchSize,
      pixels: patch.data,
      geometry,
    };
  }
}
