import type { DecodedImage } from '@ssdet/core';
import { localBinaryPattern } from './local-binary-pattern.js';
import { NumpyHistogramBins } from './numpy-histogram.js';
import { skimageRgbToHsv } from './skimage-rgb-to-hsv.js';
import { SOCO_COLOUR_BINS, SOCO_TEXTURE_BINS, type SocoRegion } from './soco-region.js';

/**
 * SoCo's `_extract_regions`: one region per segment label, in the order labels are first met
 * scanning rows top to bottom (the insertion order of SoCo's dict, which fixes every later
 * tie-break), with
 * - colour: histograms of `rgb2hsv` of the 0–255 float RGB. H and S are ratios in [0, 1], so
 *   against SoCo's bins of width 10.2 they always fall into bin 0 — a quirk reproduced on purpose;
 *   only V discriminates;
 * - texture: histograms of `local_binary_pattern(channel, 8, 1.0)` of R, G and B (values 0–255,
 *   bins of width 25.5).
 */
export function extractSocoRegions(image: DecodedImage, labels: Int32Array): SocoRegion[] {
  const { width, height, pixels } = image;
  const n = width * height;
  const rgb = Float64Array.from(pixels);
  const hsv = skimageRgbToHsv(rgb);
  const lbp: Float64Array[] = [];
  const channel = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < n; p++) channel[p] = rgb[p * 3 + c]!;
    lbp.push(localBinaryPattern(channel, width, height, 8, 1));
  }

  const regionOf = new Map<number, number>();
  const order = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const label = labels[p]!;
    let region = regionOf.get(label);
    if (region === undefined) {
      region = regionOf.size;
      regionOf.set(label, region);
    }
    order[p] = region;
  }
  const count = regionOf.size;
  const colourBins = new NumpyHistogramBins(SOCO_COLOUR_BINS, 0, 255);
  const textureBins = new NumpyHistogramBins(SOCO_TEXTURE_BINS, 0, 255);
  const colourLength = 3 * SOCO_COLOUR_BINS;
  const textureLength = 3 * SOCO_TEXTURE_BINS;
  const colour = new Float64Array(count * colourLength);
  const texture = new Float64Array(count * textureLength);
  const sizes = new Float64Array(count);
  const box = new Int32Array(count * 4);
  for (let r = 0; r < count; r++) box.set([0xffff, 0xffff, 0, 0], r * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const r = order[p]!;
      if (x < box[r * 4]!) box[r * 4] = x;
      if (y < box[r * 4 + 1]!) box[r * 4 + 1] = y;
      if (x > box[r * 4 + 2]!) box[r * 4 + 2] = x;
      if (y > box[r * 4 + 3]!) box[r * 4 + 3] = y;
      sizes[r]! += 1;
      for (let c = 0; c < 3; c++) {
        const cb = colourBins.binOf(hsv[p * 3 + c]!);
        if (cb >= 0) colour[r * colourLength + c * SOCO_COLOUR_BINS + cb]! += 1;
        const tb = textureBins.binOf(lbp[c]![p]!);
        if (tb >= 0) texture[r * textureLength + c * SOCO_TEXTURE_BINS + tb]! += 1;
      }
    }
  }

  const regions: SocoRegion[] = [];
  for (let r = 0; r < count; r++) {
    const size = sizes[r]!;
    const c = colour.slice(r * colourLength, (r + 1) * colourLength);
    const t = texture.slice(r * textureLength, (r + 1) * textureLength);
    for (let k = 0; k < c.length; k++) c[k] = c[k]! / size;
    for (let k = 0; k < t.length; k++) t[k] = t[k]! / size;
    regions.push({
      minX: box[r * 4]!,
      minY: box[r * 4 + 1]!,
      maxX: box[r * 4 + 2]!,
      maxY: box[r * 4 + 3]!,
      size,
      colour: c,
      texture: t,
    });
  }
  return regions;
}
