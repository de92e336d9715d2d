import type { Sample } from './dataset.js';
import type { Regions } from './region-source.js';
import type { View } from './view.js';
import type { Rng } from '../random/rng.js';

/**
 * Turns one sample (and its regions, when the method uses any) into the method's views:
 * MoCo-v2's two crops, SoCo's three views with boxes, DetCo's jigsaw patches, UP-DETR's image
 * plus query patches. Runs off the training thread, so it must not touch tensors; it may be
 * asynchronous (image resampling runs in libvips' native threads).
 */
export interface ViewGenerator {
  /** The names of the views `generate` returns, in order. */
  readonly viewNames: readonly string[];
  /** Whether `generate` needs regions; the pipeline then fetches them from the method's RegionSource. */
  readonly needsRegions: boolean;
  generate(sample: Sample, regions: Regions | undefined, rng: Rng): View[] | Promise<View[]>;
}
