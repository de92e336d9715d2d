import { describe, expect, it } from 'vitest';
import { distinctColor } from './distinct-color.js';
import { contrastRatio, relativeLuminance, seriesColor } from './series-color.js';

const WHITE = [255, 255, 255] as const;

describe('seriesColor', () => {
  it('computes the WCAG contrast ratio', () => {
    expect(contrastRatio([0, 0, 0], WHITE)).toBeCloseTo(21, 6);
    expect(contrastRatio(WHITE, WHITE)).toBe(1);
    // #767676 is the well-known lightest grey with 4.5 : 1 on white.
    expect(contrastRatio([0x76, 0x76, 0x76], WHITE)).toBeCloseTo(4.54, 2);
    expect(relativeLuminance([255, 0, 0])).toBeCloseTo(0.2126, 4);
  });

  it('gives every series colour at least 3 : 1 contrast on the white chart background', () => {
    // The raw palette fails this (its yellows and cyans), which is why charts do not use it.
    expect(
      Array.from({ length: 16 }, (_, i) => contrastRatio(distinctColor(i), WHITE)).some(
        (ratio) => ratio < 3,
      ),
    ).toBe(true);
    for (let i = 0; i < 64; i++)
      expect(contrastRatio(seriesColor(i), WHITE), `series ${i}`).toBeGreaterThanOrEqual(3);
  });

  it('keeps neighbouring series apart', () => {
    for (let i = 0; i < 16; i++) {
      const [a, b] = [seriesColor(i), seriesColor(i + 1)];
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      expect(distance, `series ${i} and ${i + 1}`).toBeGreaterThan(60);
    }
  });
});
