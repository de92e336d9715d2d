import type { DecodedImage, Regions } from '@ssdet/core';

export interface PreviewOptions {
  /** Draw at most this many boxes, in their order (default 50). */
  readonly maxBoxes?: number;
  /** Outline thickness in pixels (default 1). */
  readonly thickness?: number;
  /** Opacity of the mask colours over the image, 0–1 (default 0.5). */
  readonly maskOpacity?: number;
}

/**
 * A copy of `image` with the mask (if any) blended in one colour per label and the boxes drawn
 * as outlines, each box in its own colour. Pure typed-array drawing; encode it with sharp.
 */
export function drawRegions(
  image: DecodedImage,
  regions: Regions,
  options: PreviewOptions = {},
): DecodedImage {
  const { width, height } = image;
  const pixels = Uint8Array.from(image.pixels);
  const opacity = options.maskOpacity ?? 0.5;
  const mask = regions.mask;
  if (mask && mask.width === width && mask.height === height) {
    for (let p = 0; p < width * height; p++) {
      const [r, g, b] = colour(mask.labels[p]!);
      pixels[p * 3] = Math.round(pixels[p * 3]! * (1 - opacity) + r * opacity);
      pixels[p * 3 + 1] = Math.round(pixels[p * 3 + 1]! * (1 - opacity) + g * opacity);
      pixels[p * 3 + 2] = Math.round(pixels[p * 3 + 2]! * (1 - opacity) + b * opacity);
    }
  }
  const count = Math.min(regions.boxes.length / 4, options.maxBoxes ?? 50);
  const thickness = options.thickness ?? 1;
  const set = (x: number, y: number, c: [number, number, number]): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    pixels.set(c, (y * width + x) * 3);
  };
  for (let i = 0; i < count; i++) {
    const x0 = Math.round(regions.boxes[i * 4]!);
    const y0 = Math.round(regions.boxes[i * 4 + 1]!);
    const x1 = Math.round(regions.boxes[i * 4 + 2]!) - 1;
    const y1 = Math.round(regions.boxes[i * 4 + 3]!) - 1;
    const c = colour(i);
    for (let t = 0; t < thickness; t++) {
      for (let x = x0; x <= x1; x++) {
        set(x, y0 + t, c);
        set(x, y1 - t, c);
      }
      for (let y = y0; y <= y1; y++) {
        set(x0 + t, y, c);
        set(x1 - t, y, c);
      }
    }
  }
  return { width, height, pixels };
}

/** A bright colour for an index: hue stepped by the golden angle. */
export function colour(index: number): [number, number, number] {
  const hue = (index * 137.508) % 360;
  const sector = hue / 60;
  const x = Math.round(255 * (1 - Math.abs((sector % 2) - 1)));
  const table: [number, number, number][] = [
    [255, x, 0],
    [x, 255, 0],
    [0, 255, x],
    [0, x, 255],
    [x, 0, 255],
    [255, 0, x],
  ];
  return table[Math.floor(sector) % 6]!;
}
