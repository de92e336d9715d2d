import { distinctColor, type Rgb, type View } from '@ssdet/core';
import { IMAGENET_MEAN, IMAGENET_STD } from '../photometric/normalize.js';

export interface ViewPreviewOptions {
  /** The normalisation the view's pixels went through; ImageNet's by default. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Opacity of the mask overlay, 0–1 (default 0.4). */
  readonly maskAlpha?: number;
  /** A mask label left uncoloured (default 0, the background of instance masks); `null` colours all. */
  readonly maskBackground?: number | null;
  /** Box outline width in pixels (default 1 for views under 96 px on their short side, else 2). */
  readonly lineWidth?: number;
}

/** An 8-bit RGB picture, row-major HWC. */
export interface RgbPicture {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * What a method actually sees in a view, for people: the pixels de-normalised
 * (`x·std_c + mean_c`, ×255, clamped to 0–255), the mask as a translucent colour per label and
 * each box as an outline in the colour of its region id ({@link distinctColor}), so that the
 * same object carries the same colour in every view of an image.
 */
export function renderViewPreview(view: View, options: ViewPreviewOptions = {}): RgbPicture {
  const { width, height } = view;
  const pixels = denormalize(view, options.mean ?? IMAGENET_MEAN, options.std ?? IMAGENET_STD);
  if (view.mask !== undefined) {
    overlayMask(
      pixels,
      view,
      options.maskAlpha ?? 0.4,
      options.maskBackground === undefined ? 0 : options.maskBackground,
    );
  }
  if (view.boxes !== undefined) {
    const lineWidth = options.lineWidth ?? (Math.min(width, height) < 96 ? 1 : 2);
    for (let k = 0; k * 4 + 3 < view.boxes.length; k++) {
      const id = view.boxIds?.[k] ?? k;
      const box = view.boxes.subarray(k * 4, k * 4 + 4);
      drawBoxOutline(pixels, width, height, box, lineWidth, distinctColor(id));
    }
  }
  return { width, height, pixels };
}

function denormalize(view: View, mean: readonly number[], std: readonly number[]): Uint8Array {
  const expected = view.width * view.height * 3;
  if (view.pixels.length !== expected) {
    throw new RangeError(
      `view "${view.name}" has ${view.pixels.length} pixel values; expected ${view.height}×${view.width}×3 = ${expected}`,
    );
  }
  const out = new Uint8Array(expected);
  for (let i = 0; i < expected; i++) {
    const c = i % 3;
    // Uint8Array's assignment would wrap out-of-range values, so clamp first.
    const value = (view.pixels[i]! * std[c]! + mean[c]!) * 255;
    out[i] = Math.round(Math.min(255, Math.max(0, value)));
  }
  return out;
}

function overlayMask(
  pixels: Uint8Array,
  view: View,
  alpha: number,
  background: number | null,
): void {
  const mask = view.mask!;
  if (mask.width !== view.width || mask.height !== view.height) {
    throw new RangeError(
      `view "${view.name}" is ${view.width}×${view.height} but its mask is ${mask.width}×${mask.height}`,
    );
  }
  const colors = new Map<number, Rgb>();
  for (let p = 0; p < mask.labels.length; p++) {
    const label = mask.labels[p]!;
    if (label < 0 || label === background) continue;
    let color = colors.get(label);
    if (color === undefined) {
      color = distinctColor(label);
      colors.set(label, color);
    }
    for (let c = 0; c < 3; c++) {
      pixels[p * 3 + c] = Math.round((1 - alpha) * pixels[p * 3 + c]! + alpha * color[c]!);
    }
  }
}

/** Outlines the pixels covered by xyxy `box` (x1/y1 exclusive), `lineWidth` pixels inward. */
function drawBoxOutline(
  pixels: Uint8Array,
  width: number,
  height: number,
  box: Float32Array,
  lineWidth: number,
  color: Rgb,
): void {
  const left = Math.max(0, Math.floor(box[0]!));
  const top = Math.max(0, Math.floor(box[1]!));
  const right = Math.min(width, Math.ceil(box[2]!)) - 1;
  const bottom = Math.min(height, Math.ceil(box[3]!)) - 1;
  if (right < left || bottom < top) return;
  const paint = (x: number, y: number): void => {
    const i = (y * width + x) * 3;
    pixels[i] = color[0];
    pixels[i + 1] = color[1];
    pixels[i + 2] = color[2];
  };
  for (let t = 0; t < lineWidth; t++) {
    for (let x = left; x <= right; x++) {
      if (top + t <= bottom) paint(x, top + t);
      if (bottom - t >= top) paint(x, bottom - t);
    }
    for (let y = top; y <= bottom; y++) {
      if (left + t <= right) paint(left + t, y);
      if (right - t >= left) paint(right - t, y);
    }
  }
}
