import {
  type Regions,
  type Rng,
  type Sample,
  type View,
  type ViewGenerator,
  type ViewGeometry,
} from '@ssdet/core';
import {
  applyPilColorJitter,
  cropGeometry,
  cutout,
  drawColorJitter,
  flipGeometry,
  identityGeometry,
  mapBox,
  normalize,
  overlapOfViews,
  pilGaussianBlur,
  pilGrayscaleImage,
  renderView,
  resizeGeometry,
  sampleRandomResizedCrop,
  solarize,
  type Box,
  type RgbImage,
} from '@ssdet/data';
import {
  clipToView,
  commonIds,
  concatBoxes,
  jitterBoxes,
  padToK,
  proposalsOverlapping,
  selectProposals,
  type IdentifiedBoxes,
} from './box-selection.js';

export interface SocoViewOptions {
  /** V1 and V2 side. */
  readonly imageSize: number;
  /** V3 side. */
  readonly smallSize: number;
  /** V4 side (SoCo*), 0 for none. */
  readonly resizedSize: number;
  readonly cropScale: readonly [number, number];
  readonly flipP: number;
  readonly cutout: {
    readonly enabled: boolean;
    readonly p: number;
    readonly ratio: readonly [number, number];
  };
  readonly boxes: {
    readonly k: number;
    readonly maxTries: number;
    readonly jitterP: number;
    readonly jitterRatio: number;
    readonly padding: 'copies' | 'jittered-copies';
  };
}

const COLOR_JITTER = { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 } as const;
/** PIL `ImageOps.solarize`'s default threshold, 128 of 255. */
const SOLARIZE_THRESHOLD = 128 / 255;

/**
 * SoCo's views (Wei et al., NeurIPS 2021, §3.2; official `ImageFolderImageAsymBboxAwareMultiJitter1Cutout`):
 *
 * - **V1** the whole image resized to `imageSize` (squashed), **V2** a RandomResizedCrop to
 *   `imageSize`, **V3** a RandomResizedCrop to `smallSize` (the scale-aware view), both with area
 *   `cropScale`; SoCo* adds **V4**, V2's crop at `resizedSize`.
 * - For each pair (V1, Vx), `k` Selective Search proposals overlapping both views are drawn (the
 *   crops are re-drawn up to `maxTries` times while fewer than k/2 qualify); V1's copies are
 *   jittered; each view's boxes are clipped to it and padded to `k` with copies of the boxes both
 *   views show. V1 carries one set of `k` boxes per pair, in `pairs` order; Vx carries its `k`.
 * - Colour: V1 jitter (0.4, 0.4, 0.2, 0.1) p 0.8, grayscale p 0.2, blur p 1; the others the same
 *   jitter and grayscale, blur p 0.1, solarize p 0.2; independent flips; ImageNet normalisation;
 *   optional in-box cutout on V2 and V3.
 *
 * Box ids are proposal indices (a whole-view stand-in, used when no proposal qualifies, gets the
 * id one past the last proposal).
 */
export class SocoViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[];
  readonly needsRegions = true;
  /** The view each of V1's box sets pairs with, in V1's order. */
  readonly pairs: readonly string[];

  constructor(private readonly options: SocoViewOptions) {
    this.pairs = options.resizedSize > 0 ? ['v2', 'v3', 'v4'] : ['v2', 'v3'];
    this.viewNames = ['v1', ...this.pairs];
  }

  generate(sample: Sample, regions: Regions | undefined, rng: Rng): View[] {
    const { image } = sample;
    const { imageSize, smallSize, resizedSize, cropScale, boxes: boxOptions } = this.options;
    const { k } = boxOptions;
    const proposals = proposalsOf(regions, image.width, image.height);
    const fallbackId = proposals.ids.length;

    const cropRng = rng.fork('crops');
    const boxRng = rng.fork('boxes');
    const whole = identityGeometry(image.width, image.height);
    const v1 = cropGeometry(whole, [0, 0, image.width, image.height], imageSize, imageSize);
    let v2 = v1;
    let v3 = v1;
    let selected: IdentifiedBoxes[] = [];
    let leastCommon = Math.max(Math.floor(k / 2), 1);
    for (let attempt = 0; attempt < boxOptions.maxTries; attempt++) {
      const crop = (side: number): ViewGeometry =>
        cropGeometry(
          whole,
          sampleRandomResizedCrop(cropRng, image.width, image.height, { scale: cropScale }),
          side,
          side,
        );
      v2 = crop(imageSize);
      v3 = crop(smallSize);
      selected = [v2, v3].map((other) => {
        const overlap = overlapOfViews(v1, other);
        const candidates =
          overlap === undefined
            ? { boxes: new Float32Array(0), ids: new Int32Array(0) }
            : proposalsOverlapping(proposals, overlap.source);
        return selectProposals(candidates, k, boxRng);
      });
      if (selected.every((set) => set.ids.length >= leastCommon)) break;
      leastCommon = Math.max(Math.floor(leastCommon / 2), 1);
    }

    const padJitter = boxOptions.padding === 'jittered-copies' ? boxOptions.jitterRatio : 0;
    const pairBoxes = [v2, v3].map((other, i) => {
      const chosen = selected[i]!;
      const jittered = jitterBoxes(chosen, boxOptions.jitterP, boxOptions.jitterRatio, boxRng);
      const inFirst = clipToView(jittered, v1.sourceBox, fallbackId);
      const inOther = clipToView(chosen, other.sourceBox, fallbackId);
      const common = commonIds(inFirst, inOther);
      return {
        first: padToK(inFirst, common, k, boxRng, v1.sourceBox, padJitter),
        other: padToK(inOther, common, k, boxRng, other.sourceBox, padJitter),
      };
    });
    const geometries: ViewGeometry[] = [v1, v2, v3];
    if (resizedSize > 0) {
      // SoCo*: V4 is V2 resized, with V2's boxes; V1's third set copies its first.
      geometries.push(resizeGeometry(v2, resizedSize, resizedSize));
      pairBoxes.push(pairBoxes[0]!);
    }

    const firstBoxes = concatBoxes(pairBoxes.map((pair) => pair.first));
    const names = this.viewNames;
    return geometries.map((base, index) => {
      const viewRng = rng.fork(names[index]!);
      const geometry = viewRng.bernoulli(this.options.flipP) ? flipGeometry(base) : base;
      const image1: RgbImage = {
        width: geometry.width,
        height: geometry.height,
        data: renderView(image, geometry),
      };
      const pixels = colourAugment(image1, index === 0, viewRng);
      const own = index === 0 ? firstBoxes : pairBoxes[index - 1]!.other;
      const viewBoxes = boxesInView(own.boxes, geometry);
      if (this.options.cutout.enabled && (index === 1 || index === 2)) {
        cutoutInBoxes(pixels, viewBoxes, this.options.cutout, viewRng);
      }
      return {
        name: names[index]!,
        width: geometry.width,
        height: geometry.height,
        pixels: pixels.data,
        geometry,
        boxes: viewBoxes,
        boxIds: own.ids,
      };
    });
  }
}

function proposalsOf(regions: Regions | undefined, width: number, height: number): IdentifiedBoxes {
  const boxes =
    regions !== undefined && regions.boxes.length >= 4
      ? Float32Array.from(regions.boxes)
      : Float32Array.from([0, 0, width, height]);
  return { boxes, ids: Int32Array.from({ length: boxes.length / 4 }, (_, i) => i) };
}

/** Source boxes (already clipped to the view) in view pixels, clamped to the view. */
function boxesInView(boxes: Float32Array, geometry: ViewGeometry): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const mapped = mapBox(geometry, [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!]);
    out[i] = clamp(mapped[0], geometry.width);
    out[i + 1] = clamp(mapped[1], geometry.height);
    out[i + 2] = clamp(mapped[2], geometry.width);
    out[i + 3] = clamp(mapped[3], geometry.height);
  }
  return out;
}

function clamp(value: number, high: number): number {
  return Math.min(Math.max(value, 0), high);
}

/** SoCo's `transform_post_1` (V1) / `transform_post_2` (the others), then normalisation. */
function colourAugment(image: RgbImage, isFirst: boolean, rng: Rng): RgbImage {
  // The official views are PIL images: jitter, grayscale and blur work on 8-bit levels.
  if (rng.bernoulli(0.8)) applyPilColorJitter(image, drawColorJitter(rng, COLOR_JITTER));
  if (rng.bernoulli(0.2)) pilGrayscaleImage(image);
  let out = image;
  if (rng.bernoulli(isFirst ? 1.0 : 0.1)) {
    const sigma = rng.uniform(0.1, 2.0);
    out = pilGaussianBlur(image, sigma); // the official views blur PIL images
  }
  if (!isFirst && rng.bernoulli(0.2)) solarize(out, SOLARIZE_THRESHOLD);
  normalize(out);
  return out;
}

/**
 * SoCo's `RandomCutoutInBbox`: for each box, with probability `p`, zero a square of side
 * `round(√(U(ratio)·area))` centred on a random pixel of the box (after normalisation, so the
 * square shows the dataset mean).
 */
export function cutoutInBoxes(
  image: RgbImage,
  boxes: Float32Array,
  options: { readonly p: number; readonly ratio: readonly [number, number] },
  rng: Rng,
): void {
  for (let i = 0; i < boxes.length; i += 4) {
    if (!rng.bernoulli(options.p)) continue;
    const [x0, y0, x1, y1] = [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!];
    const area = rng.uniform(options.ratio[0], options.ratio[1]) * (x1 - x0) * (y1 - y0);
    const half = Math.floor(Math.round(Math.sqrt(area)) / 2);
    const cx = Math.floor(x0 + rng.uniform() * (x1 - x0));
    const cy = Math.floor(y0 + rng.uniform() * (y1 - y0));
    const square: Box = [cx - half, cy - half, cx + half + 1, cy + half + 1];
    cutout(image, square, 0);
  }
}
