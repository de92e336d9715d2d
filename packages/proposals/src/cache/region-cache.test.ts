import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type DecodedImage, type RegionSource, type Regions } from '@ssdet/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachedRegionSource } from './cached-region-source.js';
import { RegionCache, regionCacheKey } from './region-cache.js';

class CountingSource implements RegionSource {
  readonly algorithm = 'counting';
  calls = 0;
  constructor(readonly parameters: Readonly<Record<string, number>>) {}
  async propose(): Promise<Regions> {
    this.calls++;
    return {
      boxes: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
      scores: Float32Array.from([0.5, 0.25]),
      mask: { width: 2, height: 1, labels: Int32Array.from([0, 1]) },
    };
  }
}

const image: DecodedImage = { width: 2, height: 1, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ssdet-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RegionCache', () => {
  it('misses, then hits with identical regions; other parameters or pixels miss', async () => {
    const cache = new RegionCache(dir);
    const source = new CountingSource({ k: 1, a: 2 });
    const cached = new CachedRegionSource(source, cache);
    const first = await cached.proposeWithStatus(image, Rng.fromSeed(0));
    expect(first.outcome.status).toBe('miss');
    const second = await cached.proposeWithStatus(image, Rng.fromSeed(0));
    expect(second.outcome.status).toBe('hit');
    expect(source.calls).toBe(1);
    expect(Array.from(second.regions.boxes)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(second.regions.scores ?? [])).toEqual([0.5, 0.25]);
    expect(Array.from(second.regions.mask?.labels ?? [])).toEqual([0, 1]);
    // parameter order does not matter, values do
    expect(regionCacheKey(image, new CountingSource({ a: 2, k: 1 }))).toBe(
      regionCacheKey(image, source),
    );
    expect((await cache.get(image, new CountingSource({ k: 2, a: 2 }))).status).toBe('miss');
    const other = { ...image, pixels: Uint8Array.from([1, 2, 3, 4, 5, 7]) };
    expect((await cache.get(other, source)).status).toBe('miss');
    const files = await readdir(join(dir, regionCacheKey(image, source).slice(0, 2)));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports truncated and modified entries as corrupt and recomputes them', async () => {
    const cache = new RegionCache(dir);
    const source = new CountingSource({ k: 1 });
    const cached = new CachedRegionSource(source, cache);
    await cached.propose(image, Rng.fromSeed(0));
    const path = cache.pathFor(regionCacheKey(image, source));
    const size = (await readFile(path)).length;
    await truncate(path, size - 10);
    const truncated = await cached.proposeWithStatus(image, Rng.fromSeed(0));
    expect(truncated.outcome).toMatchObject({ status: 'corrupt' });
    expect(source.calls).toBe(2);
    expect((await cache.get(image, source)).status).toBe('hit');
    const bytes = await readFile(path);
    bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff;
    await writeFile(path, bytes);
    const flipped = await cache.get(image, source);
    expect(flipped).toEqual({ status: 'corrupt', reason: expect.stringMatching(/checksum/) });
    await writeFile(path, 'garbage that is long enough to pass the size check ........');
    expect(await cache.get(image, source)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringMatching(/magic/),
    });
  });
});
