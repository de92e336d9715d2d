import type { DecodedImage, LabelMask, Rng } from '@ssdet/core';
import { channelOf, rgbToGray, rgbToHsv, rgbToLab, rgbToRgI } from '../colour/opencv-colour.js';
import { fromDecoded, type InterleavedImage } from '../image/interleaved-image.js';
import { felzenszwalb, type FelzenszwalbVariant } from '../segmentation/felzenszwalb.js';
import {
  buildOpenCvGraph,
  segmentOpenCvGraph,
  type OpenCvGraph,
} from '../segmentation/graph-segmentation-opencv.js';
import { countLabels } from '../segmentation/label-mask.js';
import { stdSort } from '../sort/std-sort.js';
import { hierarchicalGrouping } from './hierarchical-grouping.js';
import { regionFeatures } from './region-features.js';
import { SimilarityStrategy, type SimilarityMeasure } from './similarity.js';
import { textureBins } from './texture-bins.js';

/**
 * Colour spaces of OpenCV's Selective Search (`hue` is HSV's H alone, `gray` is I, `blue` the
 * B channel alone — see {@link selectiveSearchConfig} for why it appears).
 */
export type ColourSpace = 'hsv' | 'lab' | 'gray' | 'hue' | 'blue' | 'rgI' | 'rgb';

export interface InitialSegmentation {
  readonly k: number;
  readonly sigma: number;
  readonly minSize: number;
  readonly variant: FelzenszwalbVariant;
}

/** Everything that defines a diversified Selective Search run. */
export interface SelectiveSearchConfig {
  readonly colourSpaces: readonly ColourSpace[];
  readonly segmentations: readonly InitialSegmentation[];
  /** Each entry is one similarity strategy (equal weights over its measures). */
  readonly strategies: readonly (readonly SimilarityMeasure[])[];
}

export type SelectiveSearchMode = 'single' | 'fast' | 'quality';

/**
 * The configurations of OpenCV's `switchToSingleStrategy(k, σ)`,
 * `switchToSelectiveSearchFast(baseK, incK, σ)` and `switchToSelectiveSearchQuality(…)`:
 * - single: HSV; one segmentation k; strategy colour+fill+texture+size.
 * - fast: HSV and Lab; k ∈ {baseK, baseK+incK, baseK+2incK}; strategies
 *   colour+fill+texture+size and fill+texture+size.
 * - quality: HSV, Lab, I, H, rgI; five k values; those two strategies plus fill and size alone.
 * OpenCV's defaults are baseK = incK = 150, σ = 0.8 (the paper's fast mode uses k = 50, 100);
 * the initial segmentations keep OpenCV's min_size of 100.
 *
 * Quirk kept by default (`openCvHueQuirk`): OpenCV's quality mode means to add the hue plane,
 * but `split(base_image, channel)` afterwards reuses that plane's buffer, so OpenCV actually
 * segments the *blue* channel (verified against cv2 4.6). `openCvHueQuirk: false` uses hue.
 */
export function selectiveSearchConfig(
  mode: SelectiveSearchMode,
  options: {
    baseK?: number;
    incK?: number;
    sigma?: number;
    minSize?: number;
    openCvHueQuirk?: boolean;
  } = {},
): SelectiveSearchConfig {
  const baseK = options.baseK ?? (mode === 'single' ? 200 : 150);
  const incK = options.incK ?? 150;
  // OpenCV's switchTo…(…, float sigma) hands σ to the segmentation as a float: 0.8 becomes
  // 0.800000011920929, which changes the Gaussian kernel and so the segments.
  const sigma = Math.fround(options.sigma ?? 0.8);
  const minSize = options.minSize ?? 100;
  const ks = (n: number): InitialSegmentation[] =>
    Array.from({ length: n }, (_, i) => ({
      k: baseK + i * incK,
      sigma,
      minSize,
      variant: 'opencv',
    }));
  const full: SimilarityMeasure[] = ['colour', 'fill', 'texture', 'size'];
  const noColour: SimilarityMeasure[] = ['fill', 'texture', 'size'];
  switch (mode) {
    case 'single':
      return { colourSpaces: ['hsv'], segmentations: ks(1), strategies: [full] };
    case 'fast':
      return { colourSpaces: ['hsv', 'lab'], segmentations: ks(3), strategies: [full, noColour] };
    case 'quality':
      return {
        colourSpaces: [
          'hsv',
          'lab',
          'gray',
          options.openCvHueQuirk === false ? 'hue' : 'blue',
          'rgI',
        ],
        segmentations: ks(5),
        strategies: [full, noColour, ['fill'], ['size']],
      };
  }
}

/** Boxes in output order plus, for each, its rank key (lower comes first). */
export interface SelectiveSearchResult {
  /** xyxy, x1/y1 exclusive. */
  readonly boxes: Float32Array;
  readonly ranks: Float64Array;
}

/**
 * Selective Search (Uijlings, van de Sande, Gevers, Smeulders, "Selective Search for Object
 * Recognition", IJCV 2013) with OpenCV ximgproc's semantics:
 * for every colour space × initial segmentation, for every strategy, run the hierarchical
 * grouping and give each region the rank u · level with u ~ U[0, 1) (OpenCV: `rand()/RAND_MAX`;
 * here the seeded `rng`, so runs are reproducible); sort all regions by rank (`std::sort`),
 * then keep the first occurrence of each distinct box. Low ranks — small hierarchy levels —
 * come first, as in OpenCV (the reverse of the paper's ordering).
 */
export function selectiveSearch(
  image: DecodedImage,
  config: SelectiveSearchConfig,
  rng: Rng,
): SelectiveSearchResult {
  const rgb = fromDecoded(image);
  const rects: number[] = [];
  const rankList: number[] = [];
  for (const space of config.colourSpaces) {
    const converted = convert(rgb, space);
    const bins = textureBins(converted);
    // OpenCV's segmentations of one image differ only in k: blur and sort its graph once per σ.
    const graphs = new Map<number, OpenCvGraph>();
    for (const segmentation of config.segmentations) {
      let mask: LabelMask;
      if (segmentation.variant === 'opencv') {
        let graph = graphs.get(segmentation.sigma);
        if (!graph) {
          graph = buildOpenCvGraph(converted, segmentation.sigma);
          graphs.set(segmentation.sigma, graph);
        }
        mask = segmentOpenCvGraph(graph, segmentation.k, segmentation.minSize);
      } else {
        mask = felzenszwalb(converted, {
          scale: segmentation.k,
          sigma: segmentation.sigma,
          minSize: segmentation.minSize,
          variant: segmentation.variant,
        });
      }
      const count = countLabels(mask);
      const features = regionFeatures(converted, mask.labels, count, bins);
      const neighbours = initialNeighbours(mask.labels, image.width, image.height, count);
      for (const measures of config.strategies) {
        const strategy = new SimilarityStrategy(measures, features);
        const grouped = hierarchicalGrouping(strategy, features.rects, count, neighbours);
        for (let r = 0; r < grouped.count; r++) {
          for (let k = 0; k < 4; k++) rects.push(grouped.rects[r * 4 + k]!);
          rankList.push(rng.uniform() * grouped.levels[r]!);
        }
      }
    }
  }
  const total = rankList.length;
  const keys = Float64Array.from(rankList);
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  stdSort(keys, order);
  const seen = new Set<string>();
  const boxes: number[] = [];
  const ranks: number[] = [];
  for (let i = 0; i < total; i++) {
    const r = order[i]!;
    const key = `${rects[r * 4]},${rects[r * 4 + 1]},${rects[r * 4 + 2]},${rects[r * 4 + 3]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    boxes.push(rects[r * 4]!, rects[r * 4 + 1]!, rects[r * 4 + 2]!, rects[r * 4 + 3]!);
    ranks.push(keys[i]!);
  }
  return { boxes: Float32Array.from(boxes), ranks: Float64Array.from(ranks) };
}

function convert(rgb: InterleavedImage, space: ColourSpace): InterleavedImage {
  switch (space) {
    case 'hsv':
      return rgbToHsv(rgb);
    case 'lab':
      return rgbToLab(rgb);
    case 'gray':
      return rgbToGray(rgb);
    case 'hue':
      return channelOf(rgbToHsv(rgb), 0);
    case 'blue':
      return channelOf(rgb, 2);
    case 'rgI':
      return rgbToRgI(rgb);
    case 'rgb':
      return rgb;
  }
}

/**
 * Touching segment pairs as OpenCV finds them: for pixels with x > 0 and y > 0, the left, upper
 * and upper-left neighbours (so no pair is recorded across the first row or column alone);
 * returned as (i, j), i < j, sorted.
 */
export function initialNeighbours(
  labels: Int32Array,
  width: number,
  height: number,
  count: number,
): Int32Array {
  const keys = new Set<number>();
  const add = (a: number, b: number): void => {
    if (a === b) return;
    keys.add(a < b ? a * count + b : b * count + a);
  };
  for (let y = 1; y < height; y++) {
    for (let x = 1; x < width; x++) {
      const p = labels[y * width + x]!;
      add(p, labels[y * width + x - 1]!);
      add(p, labels[(y - 1) * width + x]!);
      add(p, labels[(y - 1) * width + x - 1]!);
    }
  }
  const sorted = Float64Array.from(keys).sort();
  const pairs = new Int32Array(sorted.length * 2);
  for (let i = 0; i < sorted.length; i++) {
    pairs[i * 2] = Math.floor(sorted[i]! / count);
    pairs[i * 2 + 1] = sorted[i]! % count;
  }
  return pairs;
}
