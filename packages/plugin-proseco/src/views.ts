import {
  SsdetError,
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
  drawColorJitter,
  drawDetrGeometry,
  normalize,
  pilGaussianBlur,
  pilGrayscaleImage,
  renderView,
  topLeftCanvas,
  visibleBoxes,
  type Box,
  type DetrGeometryOptions,
  type ColorJitterStrength,
  type RgbImage,
} from '@ssdet/data';

/** The student's input: the strongly augmented view T₂(x), with the Selective Search boxes. */
export const STUDENT_VIEW = 'student';
/** The teacher's input: the weakly augmented view T₁(x), the same boxes. */
export const TEACHER_VIEW = 'teacher';

/** The photometric part of the strong view. */
export interface StrongAugmentation {
  readonly colorJitter: ColorJitterStrength & { readonly p: number };
  readonly grayscale: number;
  readonly blur: { readonly sigma: readonly [number, number]; readonly p: number };
}

export interface ProsecoViewOptions extends DetrGeometryOptions {
  /** K: Selective Search boxes kept per image (in the algorithm's order). */
  readonly maxPriors: number;
  /** Fewer boxes than this, before or after augmentation, and the image is replaced. */
  readonly minPriors: number;
  readonly strong: StrongAugmentation;
}

/**
 * ProSeCo's two views of an image (Fig. 2): one geometry drawn per image — DETReg's flip, then the
 * plain multi-scale resize or resize → random size crop → resize — rendered twice:
 *
 * - `teacher` (weak, T₁): the geometry only;
 * - `student` (strong, T₂): the same pixels, then colour jitter (p 0.8), grayscale (p 0.2) and
 *   Gaussian blur (p 0.5), on 8-bit values as PIL does.
 *
 * Both ImageNet-normalised in the top-left corner of a `maxSize²` canvas of zeros (their size in
 * `geometry`), both carrying the first K Selective Search boxes mapped through the geometry,
 * clipped, without those of zero width or height (`boxIds` = the boxes' ranks). Sharing the
 * geometry keeps the student's, the teacher's and the Selective Search boxes in one frame, which
 * the IoU-based positives of LocInfoNCE compare.
 *
 * An image with fewer than `minPriors` boxes, before or after augmentation, is a bad image: the
 * loader draws the next one (DETReg draws a random other).
 */
export class ProsecoViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[] = [STUDENT_VIEW, TEACHER_VIEW];
  readonly needsRegions = true;

  constructor(readonly options: ProsecoViewOptions) {
    if (options.scales.length === 0 || options.scales.some((s) => s > options.maxSize)) {
      throw new SsdetError(
        'PROSECO_VIEW_OPTIONS',
        `ProSeCo views: scales must be non-empty and at most maxSize (${options.maxSize}); got [${options.scales.join(', ')}].`,
      );
    }
  }

  generate(sample: Sample, regions: Regions | undefined, rng: Rng): View[] {
    const { image, record } = sample;
    const { maxPriors, minPriors } = this.options;
    const all = regions?.boxes ?? new Float32Array(0);
    const count = Math.min(all.length / 4, maxPriors);
    if (count < minPriors) {
      throw new BadImageError(
        record.path,
        'unsupported',
        `ProSeCo needs at least ${minPriors} Selective Search boxes and found ${count} on this ${image.width} × ${image.height} image`,
      );
    }
    const priors: Box[] = Array.from(
      { length: count },
      (_, k) => Array.from(all.subarray(k * 4, k * 4 + 4)) as unknown as Box,
    );
    const geometry = this.drawGeometry(image.width, image.height, rng.fork('geometry'));
    const { boxes, ids } = visiblePriors(geometry, priors);
    if (ids.length < minPriors) {
      throw new BadImageError(
        record.path,
        'unsupported',
        `ProSeCo needs at least ${minPriors} Selective Search boxes and only ${ids.length} of ${count} remain inside the augmented view`,
      );
    }
    const weak: RgbImage = {
      width: geometry.width,
      height: geometry.height,
      data: renderView(image, geometry),
    };
    const strong = this.strongAugment(
      { width: weak.width, height: weak.height, data: weak.data.slice() },
      rng.fork('strong'),
    );
    return [
      this.canvasView(STUDENT_VIEW, strong, geometry, boxes, ids),
      this.canvasView(TEACHER_VIEW, weak, geometry, boxes.slice(), ids.slice()),
    ];
  }

  /** Flip, then the plain resize or resize → random size crop → resize (DETReg's geometry). */
  drawGeometry(width: number, height: number, rng: Rng): ViewGeometry {
    return drawDetrGeometry(width, height, this.options, rng);
  }

  /** T₂'s photometric steps, in place where PIL's are (blur returns a new image). */
  strongAugment(image: RgbImage, rng: Rng): RgbImage {
    const { colorJitter, grayscale, blur } = this.options.strong;
    let out = image;
    if (rng.bernoulli(colorJitter.p)) applyPilColorJitter(out, drawColorJitter(rng, colorJitter));
    if (rng.bernoulli(grayscale)) pilGrayscaleImage(out);
    if (rng.bernoulli(blur.p))
      out = pilGaussianBlur(out, rng.uniform(blur.sigma[0], blur.sigma[1]));
    return out;
  }

  private canvasView(
    name: string,
    content: RgbImage,
    geometry: ViewGeometry,
    boxes: Float32Array,
    ids: Int32Array,
  ): View {
    const { maxSize } = this.options;
    normalize(content);
    const canvas = topLeftCanvas(content, maxSize);
    return { name, width: maxSize, height: maxSize, pixels: canvas, geometry, boxes, boxIds: ids };
  }
}

/**
 * The priors in the view's pixels, clipped to it, without those of zero width or height, with
 * their indices (`visibleBoxes`, DETR's `crop`).
 */
export const visiblePriors = visibleBoxes;
