import type { ImageRecord } from './dataset.js';
import type { View } from './view.js';

/** One batch of augmented views, still on the host (collate turns it into tensors). */
export interface HostBatch {
  readonly epoch: number;
  /** Index of the batch within the epoch. */
  readonly index: number;
  readonly records: readonly ImageRecord[];
  /** `views[sample][view]`, views in the generator's order. */
  readonly views: readonly (readonly View[])[];
  /** Position in this epoch's order after the batch: where a resumed run continues. */
  readonly cursor: number;
}

/**
 * Where the trainer's batches come from (`@ssdet/data`'s `DataLoader`): an epoch's host batches
 * from a cursor, in a seeded order, so that a resumed run continues with the same batches.
 */
export interface BatchSource {
  /** The batches of epoch `epoch`, starting at position `cursor` of its order. */
  epoch(epoch: number, cursor?: number): AsyncIterable<HostBatch>;
}
