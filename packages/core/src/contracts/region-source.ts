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
 * An algorithm that proposes object-like regions without labels. Implementations are pure given
 * the image, their parameters and the rng, which is what lets `@ssdet/proposals` cache them on
 * disk keyed by image hash + algorithm + parameters.
 */
export interface RegionSource {
  /** e.g. `selective-search`, `fh`, `edge-boxes`, `random`. */
  readonly algorithm: string;
  /** Everything that changes the output; part of the cache key. */
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  propose(image: DecodedImage, rng: Rng): Promise<Regions>;
}
