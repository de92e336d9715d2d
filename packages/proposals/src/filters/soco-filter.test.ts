import { describe, expect, it } from 'vitest';
import { socoFilter, socoFilterTiered } from './soco-filter.js';

const boxes = (...rows: number[][]): Float32Array => Float32Array.from(rows.flat());

describe('socoFilter (SoCo filters.py, ratio3size0308 with the post-pass fallbacks)', () => {
  // image 200×200: scale window √(w·h) ∈ [60, 160]
  const good = [0, 0, 100, 100];
  const thin = [0, 0, 100, 20]; // h < 32, aspect 5
  const huge = [0, 0, 190, 190]; // scale 0.95: fails tier 1 only
  const wide = [0, 0, 190, 40]; // aspect 4.75: fails tiers 1–2
  const wideSmall = [0, 0, 20, 5]; // fails everything

  it('tier 1 keeps size + aspect + scale, in order, duplicates included', () => {
    const result = socoFilterTiered(boxes(good, thin, huge, good), 200, 200);
    expect(result.tier).toBe('ratio3size0308');
    expect(Array.from(result.boxes)).toEqual([...good, ...good]);
  });

  it('tier 2 (filter_ratio r=3) needs w, h ≥ 32 as well as the aspect', () => {
    // `thinSquare` has an aspect of 1 but sides of 20: only the buggy aspect-only tier kept it.
    const thinSquare = [0, 0, 20, 20];
    const result = socoFilterTiered(boxes(thin, thinSquare, huge, wide), 200, 200);
    expect(result.tier).toBe('ratio3');
    expect(Array.from(result.boxes)).toEqual(huge);
  });

  it('tier 3 (filter_none) keeps w, h ≥ 32, then the whole image', () => {
    const tier3 = socoFilterTiered(boxes(thin, [0, 0, 20, 20], wide), 200, 200);
    expect(tier3.tier).toBe('none');
    expect(Array.from(tier3.boxes)).toEqual(wide);
    const whole = socoFilterTiered(boxes(thin, wideSmall), 200, 150);
    expect(whole.tier).toBe('whole-image');
    expect(Array.from(whole.boxes)).toEqual([0, 0, 200, 150]);
    expect(Array.from(socoFilter(new Float32Array(0), 7, 9))).toEqual([0, 0, 7, 9]);
  });

  it('uses inclusive bounds everywhere, with w = x2 − x1', () => {
    // 100×100 image, √area window [30, 80].
    const exact32 = [10, 10, 42, 42]; // w = h = 32, √ratio 0.32
    const aspect3 = [0, 0, 96, 32]; // w/h = 3 exactly, √(96·32)/100 = 0.554
    const ratio08 = [0, 0, 80, 80]; // √ratio 0.8 exactly
    const ratio03 = [0, 0, 30, 30]; // √ratio 0.3 but w < 32: out
    const just31 = [0, 0, 31.5, 40];
    const result = socoFilter(boxes(exact32, aspect3, ratio08, ratio03, just31), 100, 100);
    expect(Array.from(result)).toEqual([...exact32, ...aspect3, ...ratio08]);
    const tooFlat = [0, 0, 97, 32]; // w/h > 3
    expect(socoFilterTiered(boxes(tooFlat), 100, 100).tier).toBe('none');
  });
});
