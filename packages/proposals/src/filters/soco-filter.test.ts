import { describe, expect, it } from 'vitest';
import { socoFilter } from './soco-filter.js';

describe('socoFilter', () => {
  it('keeps boxes passing size, aspect and scale, and falls back tier by tier', () => {
    // image 200×200: scale window √area ∈ [60, 160]
    const good = [0, 0, 100, 100];
    const thin = [0, 0, 100, 20]; // h < 32, aspect 5
    const huge = [0, 0, 190, 190]; // scale 0.95
    expect(
      Array.from(socoFilter(Float32Array.from([...good, ...thin, ...huge]), 200, 200)),
    ).toEqual(good);
    // nothing passes all three → aspect only keeps `huge`
    expect(Array.from(socoFilter(Float32Array.from([...thin, ...huge]), 200, 200))).toEqual(huge);
    // aspect fails for all → w, h ≥ 32 only
    const wide = [0, 0, 190, 40];
    expect(Array.from(socoFilter(Float32Array.from([...thin, ...wide]), 200, 200))).toEqual(wide);
    // nothing at all → whole image
    expect(Array.from(socoFilter(Float32Array.from(thin), 200, 200))).toEqual([0, 0, 200, 200]);
  });
});
