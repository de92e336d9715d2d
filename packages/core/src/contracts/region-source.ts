import type { ImageRecord } from './dataset.js';
import type { BoxArray, DecodedImage, LabelMask } from './image.js';
import type { Rng } from '../random/rng.js';

/** Unsupervised regions of one image: boxes (Selective Search, EdgeBoxes, random) and/or masks (FH). */
export interface Regions {
  /** xyxy pixel boxes in the coordinates of the image they were computed on. */
  readonly boxes: BoxArray;
  /** One score per box when the algorithm ranks them (EdgeBoxes, Selective Search rank). */
  readonly scores?: Float32Array;
  /** A segmentation of the image into regions (Felzenszwalb–Huttenlocher for DetCon). */
  readonly mask?: LabelMask;
}

/**
 * What the caller knows about the image besides its pixels. Sources that need per-image files
 * (e.g. EdgeBoxes on edge maps a user computed elsewhere, looked up by the image's file name) read
 * them from here; every other source ignores it.
 */
export interface RegionContext {
  /** The dataset entry the image was decoded from (its id and file path), when there is one. */
  readonly record?: ImageRecord;
}

/**
 * An algorithm that proposes object-like regions without labels. Implementations are pure given
 * the image, their parameters and the rng (plus, for sources that read per-image files through
 * {@link RegionContext}, those files), which is what lets `@ssdet/proposals` cache them on disk
 * keyed by image hash + algorithm + parameters.
 */
export interface RegionSource {
  /** e.g. `selective-search`, `fh`, `edge-boxes`, `random`. */
  readonly algorithm: string;
  /** Everything that changes the output; part of the cache key. */
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  /**
   * Regions of `image`. `context` is optional so that sources written before it existed (with
   * two parameters) still satisfy the contract; callers that know the image's dataset record
   * (the data pipeline, `ssdet regions`) pass it, and wrappers such as the region cache pass it on.
   * A source whose output depends on `context` must say so in its `parameters` (cache key).
   */
  propose(image: DecodedImage, rng: Rng, context?: RegionContext): Promise<Regions>;
}
