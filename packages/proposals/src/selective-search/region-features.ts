import type { InterleavedImage } from '../image/interleaved-image.js';

/**
 * Per-segment state the similarity measures need, built from an initial segmentation, indexed by
 * segment ("working") id: sizes, bounding rectangles, and L1-normalised colour (25 bins per
 * channel over 0–255) and texture (10 bins per channel and orientation) histograms, float32 as
 * in OpenCV.
 */
export interface RegionFeatures {
  readonly count: number;
  readonly imageSize: number;
  readonly sizes: Int32Array;
  /** [x0, y0, x1, y1) per segment. */
  readonly rects: Int32Array;
  readonly colourBins: number;
  readonly colour: Float32Array;
  readonly textureBins: number;
  readonly texture: Float32Array;
}

export const COLOUR_BINS = 25;
export const TEXTURE_BINS = 10;

export function regionFeatures(
  image: InterleavedImage,
  labels: Int32Array,
  count: number,
  pixelTextureBins: Uint8Array,
): RegionFeatures {
  const { width, height, channels } = image;
  const n = width * height;
  const sizes = new Int32Array(count);
  const rects = new Int32Array(count * 4);
  for (let r = 0; r < count; r++) {
    rects[r * 4] = width;
    rects[r * 4 + 1] = height;
    rects[r * 4 + 2] = -1;
    rects[r * 4 + 3] = -1;
  }
  const colourBins = COLOUR_BINS * channels;
  const textureBins = TEXTURE_BINS * 8 * channels;
  const colourCounts = new Int32Array(count * colourBins);
  const textureCounts = new Int32Array(count * textureBins);
  const binOf = new Uint8Array(256);
  for (let v = 0; v < 256; v++) binOf[v] = Math.floor((v * COLOUR_BINS) / 256);
  const planes = channels * 8;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const r = labels[p]!;
      sizes[r] = sizes[r]! + 1;
      if (x < rects[r * 4]!) rects[r * 4] = x;
      if (y < rects[r * 4 + 1]!) rects[r * 4 + 1] = y;
      if (x >= rects[r * 4 + 2]!) rects[r * 4 + 2] = x + 1;
      if (y >= rects[r * 4 + 3]!) rects[r * 4 + 3] = y + 1;
      for (let c = 0; c < channels; c++) {
        const bin = r * colourBins + c * COLOUR_BINS + binOf[image.data[p * channels + c]!]!;
        colourCounts[bin] = colourCounts[bin]! + 1;
      }
      for (let plane = 0; plane < planes; plane++) {
        const bin = r * textureBins + plane * TEXTURE_BINS + pixelTextureBins[p * planes + plane]!;
        textureCounts[bin] = textureCounts[bin]! + 1;
      }
    }
  }
  const colour = new Float32Array(count * colourBins);
  const texture = new Float32Array(count * textureBins);
  for (let r = 0; r < count; r++) {
    const colourTotal = sizes[r]! * channels;
    for (let i = 0; i < colourBins; i++) {
      colour[r * colourBins + i] = colourCounts[r * colourBins + i]! / colourTotal;
    }
    const textureTotal = sizes[r]! * planes;
    for (let i = 0; i < textureBins; i++) {
      texture[r * textureBins + i] = textureCounts[r * textureBins + i]! / textureTotal;
    }
  }
  return { count, imageSize: n, sizes, rects, colourBins, colour, textureBins, texture };
}
