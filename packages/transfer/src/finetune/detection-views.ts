import type { BatchedView, Regions, Rng, Sample, View, ViewGenerator } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import {
  flipGeometry,
  identityGeometry,
  mapBoxesToView,
  mapMaskToView,
  normalize,
  renderView,
  resizeGeometry,
  shorterSideSize,
} from '@ssdet/data';

/** How fine-tuning images are resized: detectron2's `ResizeShortestEdge` and flip. */
export interface DetectionViewOptions {
  /** Shorter-side sizes; training draws one per image (multi-scale), evaluation uses the last. */
  readonly shorterSides: readonly number[];
  /** Longest side allowed after resizing; also the padded canvas (rounded up to 32). */
  readonly maxSize: number;
  /** Mirror left–right with probability ½. */
  readonly flip: boolean;
  /** Carry each sample's instance mask (Mask R-CNN). */
  readonly masks?: boolean;
}

/** The view name of a detection batch. */
export const DETECTION_VIEW = 'image';

/** Canvas side: `maxSize` rounded up to a multiple of 32, as torchvision pads batches. */
export function canvasSize(maxSize: number): number {
  return Math.ceil(maxSize / 32) * 32;
}

/**
 * A collated detection batch cut down from the `maxSize` canvas to its largest image, rounded up
 * to a multiple of 32, as torchvision's `GeneralizedRCNNTransform` and DETR's `NestedTensor` pad
 * a batch: the detector never computes over padding no image of the batch needs. The caller
 * disposes the returned tensors (they are new even when nothing is cut).
 */
export function cropToBatchExtent(view: BatchedView): {
  images: tf.Tensor4D;
  masks: tf.Tensor3D | undefined;
} {
  const [, canvasHeight, canvasWidth] = view.images.shape;
  const extent = (sizes: number[], canvas: number) =>
    Math.min(canvas, Math.ceil(Math.max(1, ...sizes) / 32) * 32);
  const height = extent(
    view.geometry.map((g) => g.height),
    canvasHeight,
  );
  const width = extent(
    view.geometry.map((g) => g.width),
    canvasWidth,
  );
  return {
    images: view.images.slice([0, 0, 0, 0], [-1, height, width, -1]),
    masks: view.masks?.slice([0, 0, 0], [-1, height, width]),
  };
}

/**
 * One view per image for detector training and evaluation: the whole image resized so its
 * shorter side is `s` (drawn from `shorterSides` in training) and its longer side at most
 * `maxSize`, optionally mirrored, ImageNet-normalised, and pasted at the top left of a
 * zero canvas (zero after normalisation, as torchvision pads) so every view of a batch has one
 * size (the batch is then cut to its largest image by {@link cropToBatchExtent}). `geometry`
 * describes the image inside the canvas (its size is the image's own), the boxes travel with
 * the image, and `boxIds` carry each box's class label (1 … K). With `masks`, `mask` is the
 * instance mask on the canvas with box `j`'s pixels labelled `j + 1`.
 */
export class DetectionViews implements ViewGenerator {
  readonly viewNames = [DETECTION_VIEW];
  readonly needsRegions = false;
  private readonly canvas: number;

  constructor(private readonly options: DetectionViewOptions) {
    this.canvas = canvasSize(options.maxSize);
  }

  generate(sample: Sample, _regions: Regions | undefined, rng: Rng): View[] {
    const { image } = sample;
    const sides = this.options.shorterSides;
    const side = this.options.flip ? sides[rng.int(0, sides.length)]! : sides[sides.length - 1]!;
    const [height, width] = shorterSideSize(image.width, image.height, side, this.options.maxSize);
    let geometry = resizeGeometry(identityGeometry(image.width, image.height), width, height);
    if (this.options.flip && rng.bernoulli(0.5)) geometry = flipGeometry(geometry);
    const content = { width, height, data: renderView(image, geometry) };
    normalize(content);
    const pixels = new Float32Array(this.canvas * this.canvas * 3);
    for (let y = 0; y < height; y++) {
      pixels.set(content.data.subarray(y * width * 3, (y + 1) * width * 3), y * this.canvas * 3);
    }
    const view: View = {
      name: DETECTION_VIEW,
      width: this.canvas,
      height: this.canvas,
      pixels,
      geometry,
    };
    const annotations = sample.annotations;
    if (annotations === undefined) return [view];
    const mapped = mapBoxesToView(annotations.boxes, geometry, 1e-3);
    const labelled = {
      ...view,
      boxes: mapped.boxes,
      boxIds: Int32Array.from(mapped.kept, (k) => annotations.categories[k]!),
    };
    if (this.options.masks !== true || annotations.instanceMask === undefined) return [labelled];
    const inView = mapMaskToView(annotations.instanceMask, geometry);
    const position = new Map(Array.from(mapped.kept, (k, j) => [k + 1, j + 1]));
    const labels = new Int32Array(this.canvas * this.canvas);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        labels[y * this.canvas + x] = position.get(inView.labels[y * width + x]!) ?? 0;
    return [{ ...labelled, mask: { width: this.canvas, height: this.canvas, labels } }];
  }
}
