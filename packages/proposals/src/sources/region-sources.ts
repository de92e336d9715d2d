import { statSync } from 'node:fs';
import path from 'node:path';
import {
  SsdetError,
  type DecodedImage,
  type LabelMask,
  type RegionContext,
  type RegionSource,
  type Regions,
  type Rng,
} from '@ssdet/core';
import { edgeBoxes, EDGE_BOXES_DEFAULTS, type EdgeBoxesOptions } from '../edge-boxes/edge-boxes.js';
import { edgeMaps, edgeMapsFromEdges, type EdgeMaps } from '../edge-boxes/edge-map.js';
import { edgeMapFile, readEdgeMap } from '../edge-boxes/user-edge-map.js';
import { socoFilter } from '../filters/soco-filter.js';
import { resizeBilinear } from '../image/resize-bilinear.js';
import { randomBoxes } from '../random/random-boxes.js';
import { felzenszwalb, type FelzenszwalbVariant } from '../segmentation/felzenszwalb.js';
import { countLabels } from '../segmentation/label-mask.js';
import {
  selectiveSearch,
  selectiveSearchConfig,
  type SelectiveSearchConfig,
} from '../selective-search/selective-search.js';
import {
  socoRectsToBoxes,
  socoSelectiveSearch,
} from '../selective-search/soco/soco-selective-search.js';
import { checkBoolean, checkChoice, checkImage, checkNumber } from './check-parameters.js';

type Parameters = Readonly<Record<string, string | number | boolean>>;

/** Bounding boxes (xyxy) of the labels 0..n−1 of a mask. */
export function maskBoxes(mask: LabelMask): Float32Array {
  const n = countLabels(mask);
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) boxes.set([mask.width, mask.height, 0, 0], i * 4);
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      const l = mask.labels[y * mask.width + x]!;
      if (x < boxes[l * 4]!) boxes[l * 4] = x;
      if (y < boxes[l * 4 + 1]!) boxes[l * 4 + 1] = y;
      if (x + 1 > boxes[l * 4 + 2]!) boxes[l * 4 + 2] = x + 1;
      if (y + 1 > boxes[l * 4 + 3]!) boxes[l * 4 + 3] = y + 1;
    }
  }
  return boxes;
}

export interface FelzenszwalbSourceOptions {
  readonly variant?: FelzenszwalbVariant;
  readonly scale?: number;
  readonly sigma?: number;
  readonly minSize?: number;
}

/**
 * Felzenszwalb–Huttenlocher masks (DetCon). Defaults are DetCon's: skimage semantics,
 * scale 1000, σ 0.8 (skimage's default; DetCon does not set it), min_size 1000.
 * Regions: the mask and one bounding box per segment.
 */
export class FelzenszwalbSource implements RegionSource {
  readonly algorithm = 'fh';
  readonly parameters: Parameters;
  private readonly options: Required<FelzenszwalbSourceOptions>;

  constructor(options: FelzenszwalbSourceOptions = {}) {
    const a = this.algorithm;
    this.options = {
      variant: checkChoice(a, 'variant', options.variant ?? 'skimage', [
        'skimage',
        'opencv',
      ] as const),
      scale: checkNumber(a, 'scale', options.scale ?? 1000, { min: 0, exclusiveMin: true }),
      sigma: checkNumber(a, 'sigma', options.sigma ?? 0.8, { min: 0 }),
      minSize: checkNumber(a, 'minSize', options.minSize ?? 1000, { min: 0, integer: true }),
    };
    this.parameters = { ...this.options };
  }

  async propose(image: DecodedImage): Promise<Regions> {
    checkImage(this.algorithm, image);
    const mask = felzenszwalb(image, this.options);
    return { boxes: maskBoxes(mask), mask };
  }
}

export type SelectiveSearchPreset =
  | 'opencv-fast'
  | 'opencv-quality'
  | 'opencv-single'
  | 'detreg'
  | 'soco'
  | 'soco-opencv';

export interface SelectiveSearchSourceOptions {
  /** Starting point for the other options (default `opencv-fast`). */
  readonly preset?: SelectiveSearchPreset;
  readonly baseK?: number;
  readonly incK?: number;
  readonly sigma?: number;
  /** Squash the image to resize × resize before searching, boxes scaled back (DETReg: 128; 0 = off). */
  readonly resize?: number;
  /** Keep the first maxBoxes boxes in output order (DETReg: 30; 0 = all). */
  readonly maxBoxes?: number;
  /** `soco`: SoCo's size/aspect/scale filter with its fallbacks (order and duplicates kept). */
  readonly filter?: 'none' | 'soco';
  /**
   * Swap R and B before searching. `true` reproduces DETReg handing its RGB image to OpenCV, which
   * reads it as BGR (the default of the `detreg` preset, as the official priors were made);
   * `false` searches the colours as they are (the default of every other preset).
   */
  readonly swapRedBlue?: boolean;
}

const PRESETS: Record<
  SelectiveSearchPreset,
  Required<Omit<SelectiveSearchSourceOptions, 'preset'>> & { mode: string }
> = {
  'opencv-fast': {
    mode: 'fast',
    baseK: 150,
    incK: 150,
    sigma: 0.8,
    resize: 0,
    maxBoxes: 0,
    filter: 'none',
    swapRedBlue: false,
  },
  'opencv-quality': {
    mode: 'quality',
    baseK: 150,
    incK: 150,
    sigma: 0.8,
    resize: 0,
    maxBoxes: 0,
    filter: 'none',
    swapRedBlue: false,
  },
  'opencv-single': {
    mode: 'single',
    baseK: 200,
    incK: 150,
    sigma: 0.8,
    resize: 0,
    maxBoxes: 0,
    filter: 'none',
    swapRedBlue: false,
  },
  // DETReg: OpenCV fast mode on a 128×128 squash, first 30 boxes, and — as the official code —
  // the RGB image handed to OpenCV as if it were BGR (`swapRedBlue: false` searches it as RGB).
  detreg: {
    mode: 'fast',
    baseK: 150,
    incK: 150,
    sigma: 0.8,
    resize: 128,
    maxBoxes: 30,
    filter: 'none',
    swapRedBlue: true,
  },
  // SoCo: its own Python Selective Search (skimage FH with scale = baseK = 300, σ 0.9,
  // min_size 100), every region of the hierarchy, then SoCo's filter.
  soco: {
    mode: 'soco',
    baseK: 300,
    incK: 0,
    sigma: 0.9,
    resize: 0,
    maxBoxes: 0,
    filter: 'soco',
    swapRedBlue: false,
  },
  // The earlier `soco`: SoCo's segmentation with OpenCV's grouping (a correct Selective Search).
  'soco-opencv': {
    mode: 'soco-opencv',
    baseK: 300,
    incK: 0,
    sigma: 0.9,
    resize: 0,
    maxBoxes: 0,
    filter: 'soco',
    swapRedBlue: false,
  },
};

/** The Selective Search presets, in documentation order. */
export const SELECTIVE_SEARCH_PRESETS = Object.keys(PRESETS) as readonly SelectiveSearchPreset[];

/** SoCo's min_size for its Felzenszwalb–Huttenlocher segmentation. */
const SOCO_MIN_SIZE = 100;

/**
 * Selective Search boxes.
 * - OpenCV presets (`opencv-*`, `detreg`): OpenCV's output order (randomised rank; see
 *   `selectiveSearch`), identical boxes merged.
 * - `soco`: SoCo's own Python Selective Search ({@link socoSelectiveSearch}), reproduced exactly,
 *   quirks included (single-bin hue/saturation histograms, one-sided bounding-box neighbours):
 *   every region of its hierarchy in SoCo's order, identical rectangles of different regions kept
 *   as separate proposals (SoCo draws them that much more often), boxes (x, y, x + w, y + h) from
 *   SoCo's rects, then SoCo's filter. Deterministic: the rng is not used.
 * - `soco-opencv`: SoCo's segmentation (skimage FH 300/0.9/100) with OpenCV's
 *   colour+fill+texture+size grouping on HSV — a correct Selective Search, not SoCo's.
 */
export class SelectiveSearchSource implements RegionSource {
  readonly algorithm = 'selective-search';
  readonly parameters: Parameters;
  private readonly config: SelectiveSearchConfig;
  /** `soco`: SoCo's own grouping instead of OpenCV's. */
  private readonly socoPython: boolean;
  private readonly settings: Required<Omit<SelectiveSearchSourceOptions, 'preset'>>;

  constructor(options: SelectiveSearchSourceOptions = {}) {
    const a = this.algorithm;
    const preset = checkChoice(
      a,
      'preset',
      options.preset ?? 'opencv-fast',
      Object.keys(PRESETS) as SelectiveSearchPreset[],
    );
    const base = PRESETS[preset];
    this.settings = {
      baseK: checkNumber(a, 'baseK', options.baseK ?? base.baseK, { min: 0, exclusiveMin: true }),
      incK: checkNumber(a, 'incK', options.incK ?? base.incK, { min: 0 }),
      sigma: checkNumber(a, 'sigma', options.sigma ?? base.sigma, { min: 0 }),
      resize: checkNumber(a, 'resize', options.resize ?? base.resize, { min: 0, integer: true }),
      maxBoxes: checkNumber(a, 'maxBoxes', options.maxBoxes ?? base.maxBoxes, {
        min: 0,
        integer: true,
      }),
      filter: checkChoice(a, 'filter', options.filter ?? base.filter, ['none', 'soco'] as const),
      swapRedBlue: checkBoolean(a, 'swapRedBlue', options.swapRedBlue ?? base.swapRedBlue),
    };
    const s = this.settings;
    this.socoPython = base.mode === 'soco';
    this.config =
      base.mode === 'soco' || base.mode === 'soco-opencv'
        ? {
            colourSpaces: ['hsv'],
            segmentations: [
              { k: s.baseK, sigma: s.sigma, minSize: SOCO_MIN_SIZE, variant: 'skimage' },
            ],
            strategies: [['colour', 'fill', 'texture', 'size']],
          }
        : selectiveSearchConfig(base.mode as 'fast' | 'quality' | 'single', {
            baseK: s.baseK,
            incK: s.incK,
            sigma: s.sigma,
          });
    // `implementation` keeps region-cache entries of earlier versions with the same preset and
    // settings from being served: the OpenCV-grouped `soco` before SoCo's own algorithm, and
    // OpenCV-grouped searches from before they were bit-exact to OpenCV 4.6.
    this.parameters = {
      preset,
      ...s,
      implementation: this.socoPython ? 'soco-python' : 'opencv-4.6-exact',
    };
  }

  /** Boxes of the configured search on `input` (before scaling back and filtering). */
  private search(input: DecodedImage, rng: Rng): Float32Array {
    if (!this.socoPython) return selectiveSearch(input, this.config, rng).boxes;
    const segmentation = this.config.segmentations[0]!;
    const { rects } = socoSelectiveSearch(input, {
      scale: segmentation.k,
      sigma: segmentation.sigma,
      minSize: segmentation.minSize,
    });
    return socoRectsToBoxes(rects);
  }

  async propose(image: DecodedImage, rng: Rng): Promise<Regions> {
    checkImage(this.algorithm, image);
    const s = this.settings;
    let input = image;
    if (s.swapRedBlue) {
      const pixels = new Uint8Array(image.pixels.length);
      for (let i = 0; i < pixels.length; i += 3) {
        pixels[i] = image.pixels[i + 2]!;
        pixels[i + 1] = image.pixels[i + 1]!;
        pixels[i + 2] = image.pixels[i]!;
      }
      input = { width: image.width, height: image.height, pixels };
    }
    if (s.resize > 0) input = resizeBilinear(input, s.resize, s.resize);
    let boxes = this.search(input, rng);
    if (s.resize > 0) scaleBack(boxes, image.width, image.height, s.resize);
    if (s.filter === 'soco') boxes = socoFilter(boxes, image.width, image.height);
    if (s.maxBoxes > 0) boxes = boxes.slice(0, s.maxBoxes * 4);
    return { boxes };
  }
}

/**
 * Boxes found on the resize × resize squash, back in the image's pixels, with DETReg's float32
 * arithmetic (`boxes /= res_size; boxes *= [w, h, w, h]` on OpenCV's x, y, w, h, then
 * x2 = x + w, y2 = y + h), so that the values equal the official ones to the last bit.
 */
function scaleBack(boxes: Float32Array, width: number, height: number, resize: number): void {
  const f = Math.fround;
  for (let i = 0; i < boxes.length; i += 4) {
    const x = f(f(boxes[i]! / resize) * width);
    const y = f(f(boxes[i + 1]! / resize) * height);
    const w = f(f((boxes[i + 2]! - boxes[i]!) / resize) * width);
    const h = f(f((boxes[i + 3]! - boxes[i + 1]!) / resize) * height);
    boxes[i] = x;
    boxes[i + 1] = y;
    boxes[i + 2] = f(x + w);
    boxes[i + 3] = f(y + h);
  }
}

export interface EdgeBoxesSourceOptions extends Partial<EdgeBoxesOptions> {
  /** σ of the built-in edge detector's smoothing (not with `edgesDir`). */
  readonly edgeSigma?: number;
  /**
   * A directory of edge maps a structured-edge model computed (`detectEdges` output, before NMS),
   * one `<image file stem>.png` per image, 8- or 16-bit grayscale, the image's size (see
   * `tools/reference/proposals/structured_edges.py`). Replaces the built-in edge detector; needs
   * the image's record in `propose`'s context. Relative paths resolve against the working directory.
   */
  readonly edgesDir?: string;
}

/**
 * EdgeBoxes (Siamese DETR uses maxBoxes 512) on the built-in edge detector (see `edgeMaps`), or,
 * with `edgesDir`, on a user's structured-edge maps followed by OpenCV's orientation + edge NMS.
 */
export class EdgeBoxesSource implements RegionSource {
  readonly algorithm = 'edge-boxes';
  readonly parameters: Parameters;
  private readonly options: EdgeBoxesOptions;
  private readonly edgeSigma: number;
  /** Absolute; undefined = the built-in edge detector. */
  private readonly edgesDir: string | undefined;

  constructor(options: EdgeBoxesSourceOptions = {}) {
    const a = this.algorithm;
    const d = EDGE_BOXES_DEFAULTS;
    const unit = { min: 0, max: 1 };
    this.options = {
      alpha: checkNumber(a, 'alpha', options.alpha ?? d.alpha, {
        min: 0,
        max: 1,
        exclusiveMin: true,
      }),
      beta: checkNumber(a, 'beta', options.beta ?? d.beta, unit),
      eta: checkNumber(a, 'eta', options.eta ?? d.eta, { min: 0, max: 1, exclusiveMin: true }),
      minScore: checkNumber(a, 'minScore', options.minScore ?? d.minScore, { min: 0 }),
      maxBoxes: checkNumber(a, 'maxBoxes', options.maxBoxes ?? 512, { min: 1, integer: true }),
      edgeMinMag: checkNumber(a, 'edgeMinMag', options.edgeMinMag ?? d.edgeMinMag, unit),
      edgeMergeThr: checkNumber(a, 'edgeMergeThr', options.edgeMergeThr ?? d.edgeMergeThr, {
        min: 0,
      }),
      clusterMinMag: checkNumber(a, 'clusterMinMag', options.clusterMinMag ?? d.clusterMinMag, {
        min: 0,
      }),
      maxAspectRatio: checkNumber(a, 'maxAspectRatio', options.maxAspectRatio ?? d.maxAspectRatio, {
        min: 1,
      }),
      minBoxArea: checkNumber(a, 'minBoxArea', options.minBoxArea ?? d.minBoxArea, { min: 1 }),
      gamma: checkNumber(a, 'gamma', options.gamma ?? d.gamma, { min: 0 }),
      kappa: checkNumber(a, 'kappa', options.kappa ?? d.kappa, { min: 0 }),
    };
    this.edgeSigma = checkNumber(a, 'edgeSigma', options.edgeSigma ?? 1, {
      min: 0,
      exclusiveMin: true,
    });
    this.edgesDir = options.edgesDir === undefined ? undefined : checkEdgesDir(options);
    // The cache key: built-in entries keep their old key; user edges name their directory and a
    // detector tag of their own, so boxes from one kind of edges are never served for the other.
    this.parameters =
      this.edgesDir === undefined
        ? { ...this.options, edgeSigma: this.edgeSigma, edgeDetector: 'sobel-nms-v1' }
        : { ...this.options, edgeDetector: 'user-edge-maps-v1', edgesDir: this.edgesDir };
  }

  async propose(image: DecodedImage, _rng?: Rng, context?: RegionContext): Promise<Regions> {
    checkImage(this.algorithm, image);
    const maps = await this.edgeMaps(image, context);
    const { boxes, scores } = edgeBoxes(
      maps.edges,
      maps.orientation,
      image.width,
      image.height,
      this.options,
    );
    return { boxes, scores };
  }

  private async edgeMaps(image: DecodedImage, context?: RegionContext): Promise<EdgeMaps> {
    if (this.edgesDir === undefined) return edgeMaps(image, this.edgeSigma);
    const record = context?.record;
    if (record === undefined) {
      throw new SsdetError(
        'PROPOSALS_BAD_EDGE_MAP',
        `edge-boxes: "edgesDir" (${this.edgesDir}) needs the image's file name to find its edge map, but the caller passed no record`,
        { hint: 'pass { record } as the third argument of propose' },
      );
    }
    const file = edgeMapFile(this.edgesDir, record.path);
    const edges = await readEdgeMap(file, image.width, image.height);
    return edgeMapsFromEdges(edges, image.width, image.height);
  }
}

/** `edgesDir`: a non-empty string naming an existing directory, made absolute; not with `edgeSigma`. */
function checkEdgesDir(options: EdgeBoxesSourceOptions): string {
  const value: unknown = options.edgesDir;
  if (typeof value !== 'string' || value === '') {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      `edge-boxes: parameter "edgesDir" must be a directory path, got ${JSON.stringify(value)}`,
      { hint: 'fix "edgesDir" in the region-source settings' },
    );
  }
  if (options.edgeSigma !== undefined) {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      'edge-boxes: parameter "edgeSigma" tunes the built-in edge detector, which "edgesDir" replaces; give one of them',
    );
  }
  const directory = path.resolve(value);
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      `edge-boxes: parameter "edgesDir" must be an existing directory of edge maps, got ${directory}`,
      { hint: 'write the edge maps with tools/reference/proposals/structured_edges.py' },
    );
  }
  return directory;
}

export interface RandomBoxesSourceOptions {
  /** Patches per image (UP-DETR: 10). */
  readonly count?: number;
  /** Smallest patch side (UP-DETR: 8). */
  readonly minPixel?: number;
}

/** UP-DETR's random patches; depend on the rng, so cache them only if fixed patches are wanted. */
export class RandomBoxesSource implements RegionSource {
  readonly algorithm = 'random';
  readonly parameters: Parameters;
  private readonly count: number;
  private readonly minPixel: number;

  constructor(options: RandomBoxesSourceOptions = {}) {
    this.count = checkNumber(this.algorithm, 'count', options.count ?? 10, {
      min: 1,
      integer: true,
    });
    this.minPixel = checkNumber(this.algorithm, 'minPixel', options.minPixel ?? 8, {
      min: 1,
      integer: true,
    });
    this.parameters = { count: this.count, minPixel: this.minPixel };
  }

  async propose(image: DecodedImage, rng: Rng): Promise<Regions> {
    checkImage(this.algorithm, image);
    return { boxes: randomBoxes(image.width, image.height, this.count, rng, this.minPixel) };
  }
}
