import type { RegionParameters } from './region-source-factory.js';
import type { ImageOutcome } from './image-outcome.js';

/** What a regions worker needs to rebuild the dataset and the source on its own thread. */
export interface RegionsWorkerSetup {
  readonly datasetLocation: string;
  readonly algorithm: string;
  readonly parameters: RegionParameters;
  readonly cacheDirectory: string;
  readonly seed: number;
}

export interface RegionsRequest {
  readonly index: number;
  readonly previewFile?: string;
}

export type RegionsReply =
  | { readonly index: number; readonly outcome: ImageOutcome }
  | {
      readonly index: number;
      readonly fatal: { readonly message: string; readonly code?: string; readonly hint?: string };
    };
