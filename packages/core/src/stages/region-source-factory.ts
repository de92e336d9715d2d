import type { RegionSource } from '../contracts/region-source.js';

/** Flat, serialisable settings of one region algorithm (they become part of the cache key). */
export type RegionParameters = Readonly<Record<string, string | number | boolean>>;

/**
 * A named way to build a {@link RegionSource} from flat parameters: `@ssdet/proposals`
 * contributes `selective-search`, `fh`, `edge-boxes` and `random`. A factory rejects an unknown or
 * out-of-range parameter with an error that names it.
 */
export interface RegionSourceFactory {
  readonly name: string;
  readonly description: string;
  create(parameters: RegionParameters): RegionSource;
}
