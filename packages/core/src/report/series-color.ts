import type { Rgb } from './distinct-color.js';

/** 1 − 1/φ: successive multiples of it spread hues as evenly as any sequence can. */
const GOLDEN_FRACTION = 0.6180339887498949;

/** WCAG's minimum contrast for graphical objects (1.4.11): lines on the white chart background. */
export const MIN_SERIES_CONTRAST = 3;

/**
 * The colour of chart series `index`: hues step by the golden angle like {@link distinctColor},
 * but each colour is darkened until it has at least {@link MIN_SERIES_CONTRAST} : 1 contrast
 * against white. distinctColor's full-value yellows and cyans (fine as box outlines on photos)
 * are nearly invisible as thin lines on white.
 */
export function seriesColor(index: number): Rgb {
  const n = Math.abs(Math.trunc(index));
  const hue = (n * GOLDEN_FRACTION) % 1;
  // Alternating value keeps neighbouring hues apart; the loop then darkens light hues only.
  let value = n % 2 === 0 ? 0.85 : 0.65;
  let color = hsvToRgb(hue, 0.9, value);
  while (contrastRatio(color, [255, 255, 255]) < MIN_SERIES_CONTRAST) {
    value -= 0.02;
    color = hsvToRgb(hue, 0.9, value);
  }
  return color;
}

/** WCAG 2 contrast ratio of two sRGB colours, 1 (same luminance) to 21 (black on white). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [lighter, darker] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (lighter! + 0.05) / (darker! + 0.05);
}

/** WCAG 2 relative luminance of an 8-bit sRGB colour. */
export function relativeLuminance([r, g, b]: Rgb): number {
  const linear = (channel: number): number => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const channel = (n: number): number => {
    const k = (n + hue * 6) % 6;
    const c = value - value * saturation * Math.max(0, Math.min(k, 4 - k, 1));
    return Math.round(c * 255);
  };
  return [channel(5), channel(3), channel(1)];
}
