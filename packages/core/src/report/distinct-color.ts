export type Rgb = readonly [number, number, number];

/** 1 − 1/φ: successive multiples of it spread hues as evenly as any sequence can. */
const GOLDEN_FRACTION = 0.6180339887498949;

/**
 * A saturated colour for `index`, different from its neighbours for any number of indices:
 * hues step by the golden angle, and value alternates so that close hues still differ.
 * Used with a region's id, so that one object has one colour in every view.
 */
export function distinctColor(index: number): Rgb {
  const n = Math.abs(Math.trunc(index));
  const hue = (n * GOLDEN_FRACTION) % 1;
  const value = n % 2 === 0 ? 1 : 0.8;
  return hsvToRgb(hue, 0.9, value);
}

/** `#rrggbb` of an RGB triple. */
export function rgbHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const channel = (n: number): number => {
    const k = (n + hue * 6) % 6;
    const c = value - value * saturation * Math.max(0, Math.min(k, 4 - k, 1));
    return Math.round(c * 255);
  };
  return [channel(5), channel(3), channel(1)];
}
