/** One image the job finished: where its regions are and what they cost. */
export interface ImageDone {
  readonly status: 'done';
  readonly index: number;
  readonly id: string;
  /** The image file. */
  readonly file: string;
  /** Region cache key (see `regionCacheKey`). */
  readonly key: string;
  /** Size of the cache entry in bytes, checked again on resume. */
  readonly bytes: number;
  /** Number of boxes (for `fh`: segments). */
  readonly regions: number;
  /** Decode + proposal (or cache read) time of this image, in seconds. */
  readonly seconds: number;
  readonly cache: 'hit' | 'miss' | 'corrupt';
}

/** An image the job could not use; the job goes on. */
export interface ImageFailed {
  readonly status: 'failed';
  readonly index: number;
  readonly id: string;
  readonly file: string;
  /** A `BadImageReason` (`empty`, `corrupt`, …) or `algorithm` when the region source refused it. */
  readonly reason: string;
  readonly message: string;
}

export type ImageOutcome = ImageDone | ImageFailed;
