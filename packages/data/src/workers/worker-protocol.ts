import type { ImageRecord, RngState, View } from '@ssdet/core';
import type { BadImageReason } from '../bad-image-error.js';
import type { DecodeOptions } from '../decode-image.js';

/**
 * What a worker needs to rebuild the dataset, the views and the region source on its own thread:
 * it imports the plugin modules, registers them, and lets the method's plugin bind its
 * `VIEW_GENERATOR` (and `REGION_SOURCE`) in a run container of its own with the run's config.
 */
export interface WorkerSetup {
  readonly datasetLocation: string;
  readonly decode: DecodeOptions;
  /** Module files (absolute paths) of every registered plugin, method and stage packages alike. */
  readonly pluginEntries: readonly string[];
  /** The method's plugin name and its resolved configuration. */
  readonly method: { readonly name: string; readonly config: unknown };
  /** The run's seed, for the worker's run container (views draw from per-sample streams). */
  readonly seed: number;
}

export interface SampleRequest {
  readonly id: number;
  readonly index: number;
  readonly rng: RngState;
}

export type SampleReply =
  | { readonly id: number; readonly ok: true; readonly record: ImageRecord; readonly views: View[] }
  | {
      readonly id: number;
      readonly ok: false;
      readonly badImage?: {
        readonly file: string;
        readonly reason: BadImageReason;
        readonly detail: string;
      };
      readonly message: string;
      readonly code?: string;
    };
