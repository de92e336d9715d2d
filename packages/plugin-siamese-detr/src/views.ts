import {
  SsdetError,
  type DecodedImage,
  type Regions,
  type Rng,
  type Sample,
  type View,
  type ViewGenerator,
  type ViewGeometry,
} from '@ssdet/core';
import {
  BadImageError,
  applyPilColorJitter,
  cropGeometry,
  drawColorJitter,
  flipGeometry,
  identityGeometry,
  mapBox,
  normalize,
  pilGaussianBlur,
  pilGrayscaleImage,
  renderView,
  resizeGeometry,
  roundHalfEven,
  sampleRandomResizedCrop,
  shorterSideSize,
  topLeftCanvas,
  type Box,
  type ColorJitterStrength,
  type RgbImage,
} from '@ssdet/data';
import { selectRegionPairs, type RegionPairs } from './region-pairs.js';
import { twoViewsInOuterBox } from './two-view-crop.js';

/** View A (its regions' RoI features become the queries) and view B, each with the M regions. */
export const VIEW_A = 'view-a';
export const VIEW_B = 'view-b';
/** The regions' crops of view A and of view B: crop k fills rows k·S … (k+1)·S − 1. */
export const CROPS_A = 'crops-a';
export const CROPS_B = 'crops-b';

/** SimCLR's colour jitter (p), grayscale (p) and blur (σ range, p), on 8-bit pixels as PIL. */
export interface SimclrAugmentation {
  readonly colorJitter: ColorJitterStrength & { readonly p: number };
  readonly grayscale: number;
  readonly blur: { readonly sigma: readonly [number, number]; readonly p: number };
}

export interface SiameseDetrViewOptions {
  /** Shorter sides of the first resize (320 … 480 without 384). */
  readonly scales: readonly number[];
  /** Longer side at most this (600); also the side of the square canvas views sit on. */
  readonly maxSize: number;
  readonly flipP: number;
  readonly outerScale: readonly [number, number];
  readonly outerRatio: readonly [number, number];
  readonly viewIou: number;
  readonly stochasticViews: boolean;
  /** M regions per sample (10). */
  readonly numPatches: number;
  readonly areaMinRatio: number;
  readonly padJitter: number;
  readonly viewAugmentation: SimclrAugmentation;
  /** Crop side (128) and its augmentation. */
  readonly cropSize: number;
  readonly cropAugmentation: SimclrAugmentation;
}

/** Everything drawn for one sample, before any pixel is rendered. */
export interface SiameseDetrSampleLayout {
  /** The resized (and maybe flipped) image, the frame every box below lives in. */
  readonly base: ViewGeometry;
  /** The views as rendered: their PIL-rounded boxes in the base frame, resized to the outer crop. */
  readonly geometryA: ViewGeometry;
  readonly geometryB: ViewGeometry;
  readonly pairs: RegionPairs;
}

/**
 * Siamese DETR's views (`SiameseDETRDataset.__getitem__`, Zx55/SiameseDETR
 * `datasets/siamese_detr.py`, and the ImageNet data config). The regions are the image's
 * EdgeBoxes (xyxy pixels of the original image, best first).
 *
 * 1. `RandomResizeWithTarget(scales, max_size)`: shorter side drawn from `scales`;
 * 2. one horizontal flip (p ½) for both views;
 * 3. `TwoViewRandomResizedCrop`: an outer crop (scale 0.5–1, ratio 3/4–4/3), inside it views A and
 *    B with IoU ≥ `viewIou` ({@link twoViewsInOuterBox}), both resized to the outer crop's size;
 * 4. the region pairs ({@link selectRegionPairs}): the intersection + the first M − 1 proposals
 *    that stay large inside the intersection, jittered copies if fewer;
 * 5. `crops-a` / `crops-b`: each region cropped from its (un-jittered-colour) view, PIL-rounded,
 *    resized to S² and given SimCLR's augmentation — the region-discrimination targets;
 * 6. `view-a` / `view-b`: SimCLR's augmentation, ImageNet normalisation, on the top-left of a
 *    `maxSize²` canvas (their own size in `geometry.width/height`), the regions as boxes
 *    (ids 0 … M−1, pair 0 = the intersection).
 *
 * Pixels are resampled once from the original image (the official code resizes the image, then
 * resizes the crop: two resamplings). An image none of whose proposals survives step 4 is
 * rejected as a bad image; the loader draws the next one (the official dataset the previous one).
 */
export class SiameseDetrViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[] = [VIEW_A, VIEW_B, CROPS_A, CROPS_B];
  readonly needsRegions = true;

  constructor(readonly options: SiameseDetrViewOptions) {
    if (options.scales.length === 0 || options.scales.some((s) => s > options.maxSize)) {
      throw new SsdetError(
        'SIAMESE_DETR_VIEW_OPTIONS',
        `Siamese DETR views: scales must be non-empty and at most maxSize (${options.maxSize}); got [${options.scales.join(', ')}].`,
      );
    }
  }

  generate(sample: Sample, regions: Regions | undefined, rng: Rng): View[] {
    const { image, record } = sample;
    const layout = this.layout(image, regions?.boxes ?? new Float32Array(0), rng.fork('layout'));
    if (layout === undefined) {
      throw new BadImageError(
        record.path,
        'unsupported',
        `Siamese DETR found none of its ${(regions?.boxes.length ?? 0) / 4} proposals large enough inside both views of this ${image.width} × ${image.height} image`,
      );
    }
    const { geometryA, geometryB, pairs } = layout;
    return [
      this.imageView(VIEW_A, image, geometryA, pairs.boxesA, rng.fork(VIEW_A)),
      this.imageView(VIEW_B, image, geometryB, pairs.boxesB, rng.fork(VIEW_B)),
      this.cropsView(CROPS_A, image, geometryA, pairs.boxesA, rng.fork(CROPS_A)),
      this.cropsView(CROPS_B, image, geometryB, pairs.boxesB, rng.fork(CROPS_B)),
    ];
  }

  /** Steps 1–4: resize, flip, the two views and their region pairs (undefined: none survive). */
  layout(
    image: { readonly width: number; readonly height: number },
    proposals: Float32Array,
    rng: Rng,
  ): SiameseDetrSampleLayout | undefined {
    const o = this.options;
    const [height, width] = shorterSideSize(
      image.width,
      image.height,
      rng.choice(o.scales),
      o.maxSize,
    );
    let base = resizeGeometry(identityGeometry(image.width, image.height), width, height);
    if (rng.bernoulli(o.flipP)) base = flipGeometry(base);
    const outer = sampleRandomResizedCrop(rng, width, height, {
      scale: o.outerScale,
      ratio: o.outerRatio,
    });
    const viewWidth = outer[2] - outer[0];
    const viewHeight = outer[3] - outer[1];
    const views = twoViewsInOuterBox(outer, o.viewIou, o.stochasticViews, () => rng.uniform());
    const inBase = new Float32Array(proposals.length);
    for (let i = 0; i + 3 < proposals.length; i += 4) {
      inBase.set(
        mapBox(base, [proposals[i]!, proposals[i + 1]!, proposals[i + 2]!, proposals[i + 3]!]),
        i,
      );
    }
    const pairs = selectRegionPairs(
      inBase,
      { ...views, width: viewWidth, height: viewHeight },
      { numPatches: o.numPatches, areaMinRatio: o.areaMinRatio, padJitter: o.padJitter },
      () => rng.normal(),
    );
    if (pairs === undefined) return undefined;
    // torchvision's resized_crop on PIL rounds the crop box; the boxes above keep the exact one.
    const rendered = (view: Box) =>
      cropGeometry(base, pilRound(view, width, height), viewWidth, viewHeight);
    return {
      base,
      geometryA: rendered(views.viewA),
      geometryB: rendered(views.viewB),
      pairs,
    };
  }

  private imageView(
    name: string,
    image: DecodedImage,
    geometry: ViewGeometry,
    boxes: Float64Array,
    rng: Rng,
  ): View {
    const { maxSize } = this.options;
    const { width, height } = geometry;
    let content: RgbImage = { width, height, data: renderView(image, geometry) };
    content = simclrAugment(content, this.options.viewAugmentation, rng);
    normalize(content);
    const canvas = topLeftCanvas(content, maxSize);
    return {
      name,
      width: maxSize,
      height: maxSize,
      pixels: canvas,
      geometry,
      boxes: Float32Array.from(boxes),
      boxIds: Int32Array.from({ length: boxes.length / 4 }, (_, k) => k),
    };
  }

  private cropsView(
    name: string,
    image: DecodedImage,
    view: ViewGeometry,
    boxes: Float64Array,
    rng: Rng,
  ): View {
    const size = this.options.cropSize;
    const count = boxes.length / 4;
    const slot = size * size * 3;
    const strip = new Float32Array(count * slot);
    for (let k = 0; k < count; k++) {
      const box = pilRound(
        [boxes[k * 4]!, boxes[k * 4 + 1]!, boxes[k * 4 + 2]!, boxes[k * 4 + 3]!],
        view.width,
        view.height,
      );
      const geometry = cropGeometry(view, box, size, size);
      let crop: RgbImage = { width: size, height: size, data: renderView(image, geometry) };
      crop = simclrAugment(crop, this.options.cropAugmentation, rng.fork(`crop-${k}`));
      normalize(crop);
      strip.set(crop.data, k * slot);
    }
    return {
      name,
      width: size,
      height: size * count,
      pixels: strip,
      geometry: {
        sourceBox: [0, 0, image.width, image.height],
        flipped: false,
        width: size,
        height: size * count,
      },
    };
  }
}

/** Colour jitter (p), grayscale (p), Gaussian blur (p), on 8-bit pixels as PIL does. */
export function simclrAugment(
  image: RgbImage,
  augmentation: SimclrAugmentation,
  rng: Rng,
): RgbImage {
  const { colorJitter, blur } = augmentation;
  if (rng.bernoulli(colorJitter.p)) applyPilColorJitter(image, drawColorJitter(rng, colorJitter));
  if (rng.bernoulli(augmentation.grayscale)) pilGrayscaleImage(image);
  if (rng.bernoulli(blur.p))
    return pilGaussianBlur(image, rng.uniform(blur.sigma[0], blur.sigma[1]));
  return image;
}

/**
 * PIL's `Image.crop` rounds each edge half-to-even; kept inside `width × height` and at least a
 * pixel wide and high.
 */
function pilRound(box: Box, width: number, height: number): Box {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const x0 = clamp(roundHalfEven(box[0]), width - 1);
  const y0 = clamp(roundHalfEven(box[1]), height - 1);
  const x1 = Math.max(clamp(roundHalfEven(box[2]), width), x0 + 1);
  const y1 = Math.max(clamp(roundHalfEven(box[3]), height), y0 + 1);
  return [x0, y0, x1, y1];
}
