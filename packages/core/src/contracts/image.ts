/** An image decoded to 8-bit RGB, row-major HWC. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** `width × height × 3` bytes, RGB. */
  readonly pixels: Uint8Array;
}

/**
 * Boxes as a flat array of `[x0, y0, x1, y1]` quadruples in pixel coordinates of the image
 * they belong to (xyxy, x to the right, y down, x1/y1 exclusive edges as in torchvision).
 */
export type BoxArray = Float32Array;

/** Ground truth that travels with an image when the dataset has it (COCO json). */
export interface Annotations {
  readonly boxes: BoxArray;
  /** One category id per box. */
  readonly categories: Int32Array;
  /** Optional instance masks, one label map with 0 = background and i+1 = box i. */
  readonly instanceMask?: LabelMask;
}

/** A per-pixel integer label map, row-major, same size as its image. */
export interface LabelMask {
  readonly width: number;
  readonly height: number;
  readonly labels: Int32Array;
}
