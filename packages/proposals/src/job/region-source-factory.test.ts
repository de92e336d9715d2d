import { describe, expect, it } from 'vitest';
import {
  FelzenszwalbSource,
  RandomBoxesSource,
  SelectiveSearchSource,
} from '../sources/region-sources.js';
import { createRegionSource, regionPresets } from './region-source-factory.js';
import { parseShard, shardIndices } from './shard.js';

describe('createRegionSource', () => {
  it('builds each algorithm with the same parameters (cache keys) as the source classes', () => {
    expect(createRegionSource('fh', { scale: 300 }).parameters).toEqual(
      new FelzenszwalbSource({ scale: 300 }).parameters,
    );
    expect(createRegionSource('selective-search', { preset: 'detreg' }).parameters).toEqual(
      new SelectiveSearchSource({ preset: 'detreg' }).parameters,
    );
    expect(createRegionSource('edge-boxes').algorithm).toBe('edge-boxes');
  });

  it('expands non-Selective-Search presets into plain parameters; explicit settings win', () => {
    expect(createRegionSource('fh', { preset: 'detcon' }).parameters).toEqual(
      new FelzenszwalbSource().parameters,
    );
    expect(createRegionSource('random', { preset: 'up-detr', count: 4 }).parameters).toEqual(
      new RandomBoxesSource({ count: 4 }).parameters,
    );
    expect(regionPresets('selective-search')).toContain('soco');
  });

  it('names unknown algorithms, parameters and presets, and bad values', () => {
    expect(() => createRegionSource('sift')).toThrow(/Unknown region algorithm "sift"/);
    expect(() => createRegionSource('fh', { k: 3 })).toThrow(/fh: unknown parameter "k"; known/);
    expect(() => createRegionSource('fh', { preset: 'soco' })).toThrow(
      /"preset" must be one of detcon/,
    );
    expect(() => createRegionSource('random', { count: 'ten' })).toThrow(
      /"count" must be an integer/,
    );
  });
});

describe('shards', () => {
  it('parses i/n and rejects anything else', () => {
    expect(parseShard('3/16')).toEqual({ index: 3, count: 16 });
    for (const bad of ['3', '2/2', '-1/2', 'a/b', '1/0', '1/2/3'])
      expect(() => parseShard(bad), bad).toThrow(/expected|invalid/);
  });

  it('covers every index exactly once across the shards of a split', () => {
    const size = 23;
    const seen = Array.from({ length: 5 }, (_, index) =>
      shardIndices(size, { index, count: 5 }),
    ).flat();
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
    expect(shardIndices(size, { index: 1, count: 5 })).toEqual([1, 6, 11, 16, 21]);
  });
});
