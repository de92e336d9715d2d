import type { Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import type { ImageRecord } from './dataset.js';
import type { ViewGeometry } from './view.js';

/** All samples' copies of one view, collated. */
export interface BatchedView {
  /** `[B, H, W, 3]` float32, normalised. */
  readonly images: Tensor4D;
  /** Per sample: how the view was cut from its image. */
  readonly geometry: readonly ViewGeometry[];
  /** `[B, K, 4]` xyxy pixel boxes, padded with zeros to the batch's largest K. */
  readonly boxes?: Tensor3D;
  /** `[B, K]` int32 region ids (the same id in two views is the same object); −1 marks padding. */
  readonly boxIds?: Tensor2D;
  /** `[B, H, W]` int32 label masks. */
  readonly masks?: Tensor3D;
  /** `[B, H, W]` 1 where the pixel is image, 0 where it is padding (DETR multi-scale batches). */
  readonly pixelMask?: Tensor3D;
}

/** What a {@link PretrainMethod} receives for one step. */
export interface Batch {
  readonly size: number;
  readonly records: readonly ImageRecord[];
  /** By view name, as declared by the method's ViewGenerator. */
  readonly views: Readonly<Record<string, BatchedView>>;
}
