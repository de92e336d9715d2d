import type { DecodedImage, RegionContext, RegionSource, Regions, Rng } from '@ssdet/core';
import type { CacheLookup, RegionCache } from './region-cache.js';

/** What happened on the last `propose`: served from disk, computed, or recomputed over a bad entry. */
export type CacheOutcome =
  | { readonly status: 'hit' }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt'; readonly reason: string };

/**
 * A RegionSource that answers from a {@link RegionCache} and fills it on a miss. A corrupt entry
 * is recomputed and overwritten; `proposeWithStatus` says which happened (for the job summary).
 * Same `algorithm` and `parameters` as the wrapped source, so keys do not depend on caching.
 */
export class CachedRegionSource implements RegionSource {
  readonly algorithm: string;
  readonly parameters: RegionSource['parameters'];

  constructor(
    private readonly inner: RegionSource,
    private readonly cache: RegionCache,
  ) {
    this.algorithm = inner.algorithm;
    this.parameters = inner.parameters;
  }

  async propose(image: DecodedImage, rng: Rng, context?: RegionContext): Promise<Regions> {
    return (await this.proposeWithStatus(image, rng, context)).regions;
  }

  /**
   * `context` goes to the wrapped source on a miss; it is not part of the key, so a source whose
   * output depends on it names what it reads in its `parameters` (EdgeBoxes: `edgesDir`).
   */
  async proposeWithStatus(
    image: DecodedImage,
    rng: Rng,
    context?: RegionContext,
  ): Promise<{ regions: Regions; outcome: CacheOutcome }> {
    const lookup: CacheLookup = await this.cache.get(image, this.inner);
    if (lookup.status === 'hit') return { regions: lookup.regions, outcome: { status: 'hit' } };
    const regions = await this.inner.propose(image, rng, context);
    await this.cache.put(image, this.inner, regions);
    return { regions, outcome: lookup };
  }
}
