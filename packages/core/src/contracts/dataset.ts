import type { Annotations, DecodedImage } from './image.js';

/** One entry of a dataset, before decoding. */
export interface ImageRecord {
  /** Stable identifier: the path relative to the dataset root, or the COCO image id. */
  readonly id: string;
  /** Absolute path of the image file. */
  readonly path: string;
  /** Known size (COCO json carries it); decoded size wins when they disagree. */
  readonly width?: number;
  readonly height?: number;
}

/** A decoded image with whatever the dataset knows about it. */
export interface Sample {
  readonly record: ImageRecord;
  readonly image: DecodedImage;
  readonly annotations?: Annotations;
}

/**
 * A finite, ordered collection of images. Order is stable (sorted by id) so that a seed and a
 * dataset determine a run; shuffling and sharding are done by the data pipeline on indices.
 */
export interface Dataset {
  /** Human-readable origin, e.g. `folder /data/coco/train2017` or `coco /data/instances.json`. */
  readonly description: string;
  readonly size: number;
  record(index: number): ImageRecord;
  /** Decodes image `index`; rejects with an error naming the file and the reason when it cannot. */
  load(index: number): Promise<Sample>;
}
