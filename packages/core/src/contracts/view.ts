import type { BoxArray, LabelMask } from './image.js';

/**
 * How a view was cut from its source image: the source rectangle it shows, whether it was
 * mirrored, and its output size. Every geometric augmentation in ssdet is an axis-aligned
 * crop + resize + optional flip, so this is enough to map any point between the source and the
 * view — and therefore between two views of one image (the overlap SoCo, PLRC and Siamese DETR need).
 */
export interface ViewGeometry {
  /** `[x0, y0, x1, y1]` in source-image pixels (may extend past the image when padded). */
  readonly sourceBox: readonly [number, number, number, number];
  /** Mirrored left–right after cropping. */
  readonly flipped: boolean;
  readonly width: number;
  readonly height: number;
}

/** One augmented view of an image, with the regions that travel with it. */
export interface View {
  /** The role of the view in its method, e.g. `query`, `key`, `v1`, `patch-3`. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** `height × width × 3` floats, HWC, already normalised. */
  readonly pixels: Float32Array;
  readonly geometry: ViewGeometry;
  /** Regions mapped into this view (xyxy pixels); entries mapped out of the view are dropped. */
  readonly boxes?: BoxArray;
  /** For each kept box, its index in the source's region list — the same object across views. */
  readonly boxIds?: Int32Array;
  /** A label mask mapped into this view (nearest-neighbour). */
  readonly mask?: LabelMask;
  /** Points as `[x, y]` pairs in view pixels. */
  readonly points?: Float32Array;
}
