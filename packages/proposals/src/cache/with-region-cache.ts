import path from 'node:path';
import { defaultCacheDir, type RegionSource } from '@ssdet/core';
import { CachedRegionSource } from './cached-region-source.js';
import { RegionCache } from './region-cache.js';

/**
 * A method's region source as its `regions` config asks: behind the on-disk region cache (the one
 * `ssdet regions` fills; default `<ssdet cache>/regions`) when `cache` is on, else as it is.
 */
export function withRegionCache(
  source: RegionSource,
  options: { readonly cache: boolean; readonly cacheDir?: string | undefined },
): RegionSource {
  if (!options.cache) return source;
  const directory = options.cacheDir ?? path.join(defaultCacheDir(), 'regions');
  return new CachedRegionSource(source, new RegionCache(directory));
}
