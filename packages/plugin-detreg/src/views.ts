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
  drawDetrGeometry,
  normalize,
  renderView,
  topLeftCanvas,
  visibleBoxes,
  type Box,
  type DetrGeometryOptions,
  type RgbImage,
} from '@ssdet/data';
import { priorCrop, type CropAugmentation } from './prior-crop.js';

/** The detection image with its priors. */
export const IMAGE_VIEW = 'image';
/** The priors' crops, stacked top to bottom: crop k fills rows k·S … (k+1)·S − 1. */
export const CROPS_VIEW = 'crops';

export interface DetregViewOptions extends DetrGeometryOptions {
  /** Crop slots per image (`max_prop`, 30); priors beyond it are ignored. */
  readonly maxPriors: number;
  /** Fewer priors than this, before or after augmentation, and the image is replaced (2). */
  readonly minPriors: number;
  readonly crop: CropAugmentation;
}

/**
 * DETReg's views (`datasets/selfdet.py`, `SelfDet.__getitem__` + `make_self_det_transforms`).
 * The regions are the image's Selective Search priors (xyxy pixels of the original image).
 *
 * - `crops`: prior k cropped from the **un-augmented** image, resized to S² with UP-DETR's
 *   SimCLR-style augmentation ({@link priorCrop}) — the teacher's input. Slot k of a
 *   `S × (maxPriors·S)` strip; slots of dropped priors stay zero.
 * - `image`: the image through `RandomHorizontalFlip` then, with probability ½ each,
 *   `RandomResize(scales, max_size)` or `RandomResize([400, 500, 600])` →
 *   `RandomSizeCrop(384, 600)` → `RandomResize(scales, max_size)`, ImageNet-normalised, in the
 *   top-left corner of a `maxSize²` canvas of zeros (its own size in `geometry.width/height`).
 *   Its boxes are the priors mapped through the same geometry and clipped to the crop; those left
 *   with zero width or height are dropped (the official `crop` drops them with their patches);
 *   `boxIds` are the priors' crop slots.
 *
 * An image with fewer than `minPriors` priors, before or after augmentation, is rejected as a
 * bad image, so the loader draws the next one (the official code draws a random other image).
 */
export class DetregViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[] = [IMAGE_VIEW, CROPS_VIEW];
  readonly needsRegions = true;

  constructor(readonly options: DetregViewOptions) {
    if (options.scales.length === 0 || options.scales.some((s) => s > options.maxSize)) {
      throw new SsdetError(
        'DETREG_VIEW_OPTIONS',
        `DETReg views: scales must be non-empty and at most maxSize (${options.maxSize}); got [${options.scales.join(', ')}].`,
      );
    }
  }

  generate(sample: Sample, regions: Regions | undefined, rng: Rng): View[] {
    const { image, record } = sample;
    const { maxPriors, minPriors } = this.options;
    const all = regions?.boxes ?? new Float32Array(0);
    const count = Math.min(all.length / 4, maxPriors);
    if (count < minPriors) {
      throw new BadImageError(
        record.path,
        'unsupported',
        `DETReg needs at least ${minPriors} region priors and Selective Search found ${count} on this ${image.width} × ${image.height} image`,
      );
    }
    const priors: Box[] = Array.from(
      { length: count },
      (_, k) => Array.from(all.subarray(k * 4, k * 4 + 4)) as unknown as Box,
    );
    const geometry = this.drawGeometry(image.width, image.height, rng.fork(IMAGE_VIEW));
    const { boxes, ids } = visiblePriors(geometry, priors);
    if (ids.length < minPriors) {
      throw new BadImageError(
        record.path,
        'unsupported',
        `DETReg needs at least ${minPriors} region priors and only ${ids.length} of ${count} remain inside the augmented view`,
      );
    }
    return [
      this.imageView(sample, geometry, boxes, ids),
      this.cropsView(sample, priors, ids, rng.fork(CROPS_VIEW)),
    ];
  }

  /** Flip, then the plain resize or resize → random size crop → resize. */
  drawGeometry(width: number, height: number, rng: Rng): ViewGeometry {
    return drawDetrGeometry(width, height, this.options, rng);
  }

  private imageView(
    sample: Sample,
    geometry: ViewGeometry,
    boxes: Float32Array,
    ids: Int32Array,
  ): View {
    const { maxSize } = this.options;
    const { width, height } = geometry;
    const content: RgbImage = { width, height, data: renderView(sample.image, geometry) };
    normalize(content);
    const canvas = topLeftCanvas(content, maxSize);
    return {
      name: IMAGE_VIEW,
      width: maxSize,
      height: maxSize,
      pixels: canvas,
      geometry,
      boxes,
      boxIds: ids,
    };
  }

  private cropsView(sample: Sample, priors: readonly Box[], ids: Int32Array, rng: Rng): View {
    const { maxPriors, crop } = this.options;
    const slot = crop.size * crop.size * 3;
    const strip = new Float32Array(maxPriors * slot);
    for (const id of ids) {
      strip.set(priorCrop(sample.image, priors[id]!, crop, rng.fork(`crop-${id}`)), id * slot);
    }
    return {
      name: CROPS_VIEW,
      width: crop.size,
      height: crop.size * maxPriors,
      pixels: strip,
      geometry: {
        sourceBox: [0, 0, sample.image.width, sample.image.height],
        flipped: false,
        width: crop.size,
        height: crop.size * maxPriors,
      },
    };
  }
}

/**
 * The priors in the view's pixels, clipped to it, without those of zero width or height, with
 * their indices (`visibleBoxes`, DETR's `crop`).
 */
export const visiblePriors = visibleBoxes;
