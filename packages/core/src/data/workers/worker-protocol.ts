import type { ImageRecord } from '../../contracts/dataset.js';
import type { View } from '../../contracts/view.js';
import type { RngState } from '../../random/rng.js';
import type { BadImageReason } from '../bad-image-error.js';
import type { DecodeOptions } from '../decode-image.js';
import type { ViewSpec } from '../views/view-spec.js';

/** What a worker needs to rebuild the dataset and the views on its own thread. */
export interface WorkerSetup {
  readonly datasetLocation: string;
  readonly decode: DecodeOptions;
  readonly views: readonly ViewSpec[];
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
