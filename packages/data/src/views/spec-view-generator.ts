import {
  type Regions,
  type Rng,
  type Sample,
  SsdetError,
  type View,
  type ViewGenerator,
  type ViewGeometry,
} from '@ssdet/core';
import { mapBoxesToView, mapMaskToView } from '../geometry/map-annotations.js';
import { sampleRandomResizedCrop } from '../geometry/random-resized-crop.js';
import { renderView } from '../geometry/render-view.js';
import { shorterSideSize } from '../geometry/resize-shorter-side.js';
import {
  cropGeometry,
  flipGeometry,
  identityGeometry,
  resizeGeometry,
} from '../geometry/view-geometry.js';
import { applyColorJitter, drawColorJitter } from '../photometric/color-jitter.js';
import { blurKernelSizeFor, gaussianBlur } from '../photometric/gaussian-blur.js';
import { grayscale } from '../photometric/grayscale.js';
import { normalize } from '../photometric/normalize.js';
import { pilGaussianBlur } from '../photometric/pil-gaussian-blur.js';
import { applyPilColorJitter } from '../photometric/pil-color-jitter.js';
import { pilGrayscaleImage } from '../photometric/pil-enhance.js';
import type { RgbImage } from '../photometric/rgb-image.js';
import { solarize } from '../photometric/solarize.js';
import { isGeometricStep, type ViewSpec, type ViewStep } from './view-spec.js';

type PhotometricStep = Exclude<
  ViewStep,
  { op: 'randomResizedCrop' | 'resize' | 'resizeShorterSide' | 'horizontalFlip' }
>;
type GeometricStep = Exclude<ViewStep, PhotometricStep>;

/**
 * Runs declarative view recipes ({@link ViewSpec}): the geometric steps are composed into one
 * {@link ViewGeometry} and one resampling of the source, then the photometric steps run on the
 * float image. Regions are mapped into each view, and, without them, the dataset's ground-truth
 * boxes and instance masks when `groundTruth` is on. Each view draws from its own stream,
 * `rng.fork(view.name)`.
 */
export class SpecViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[];
  readonly needsRegions: boolean;
  /** The recipes, so that worker threads can rebuild this generator. */
  readonly specs: readonly ViewSpec[];
  private readonly plans: readonly {
    name: string;
    geometric: GeometricStep[];
    photometric: PhotometricStep[];
  }[];

  /** Whether views carry the dataset's ground-truth boxes and masks when there are no regions. */
  readonly groundTruth: boolean;

  /**
   * @param options.groundTruth map the sample's ground-truth annotations into views that have no
   *   regions. Default: `needsRegions` — a method that asks for regions works with boxes or masks
   *   and may fall back on the dataset's; one that does not (MoCo-style global views) never reads
   *   them, and mapping them and painting their masks cost a quarter of the pipeline's time.
   */
  constructor(
    specs: readonly ViewSpec[],
    options: { needsRegions?: boolean; groundTruth?: boolean } = {},
  ) {
    this.specs = specs;
    this.viewNames = specs.map((spec) => spec.name);
    this.needsRegions = options.needsRegions ?? false;
    this.groundTruth = options.groundTruth ?? this.needsRegions;
    if (new Set(this.viewNames).size !== this.viewNames.length) {
      throw new SsdetError(
        'VIEWS_INVALID',
        `View names must be unique; got ${this.viewNames.join(', ')}.`,
      );
    }
    this.plans = specs.map((spec) => planView(spec));
  }

  async generate(sample: Sample, regions: Regions | undefined, rng: Rng): Promise<View[]> {
    return Promise.all(
      this.plans.map((plan) => this.view(plan, sample, regions, rng.fork(plan.name))),
    );
  }

  private async view(
    plan: { name: string; geometric: GeometricStep[]; photometric: PhotometricStep[] },
    sample: Sample,
    regions: Regions | undefined,
    rng: Rng,
  ): Promise<View> {
    let geometry = identityGeometry(sample.image.width, sample.image.height);
    for (const step of plan.geometric) geometry = applyGeometric(step, geometry, rng);
    let image: RgbImage = {
      width: geometry.width,
      height: geometry.height,
      data: renderView(sample.image, geometry),
    };
    for (const step of plan.photometric) image = applyPhotometric(step, image, rng);

    const groundTruth = this.groundTruth ? sample.annotations : undefined;
    const boxes = regions?.boxes ?? groundTruth?.boxes;
    const mask = regions?.mask ?? groundTruth?.instanceMask;
    const mapped = boxes === undefined ? undefined : mapBoxesToView(boxes, geometry);
    return {
      name: plan.name,
      width: geometry.width,
      height: geometry.height,
      pixels: image.data,
      geometry,
      ...(mapped === undefined ? {} : { boxes: mapped.boxes, boxIds: mapped.kept }),
      ...(mask === undefined ? {} : { mask: mapMaskToView(mask, geometry) }),
    };
  }
}

function planView(spec: ViewSpec): {
  name: string;
  geometric: GeometricStep[];
  photometric: PhotometricStep[];
} {
  const geometric: GeometricStep[] = [];
  const photometric: PhotometricStep[] = [];
  for (const step of spec.steps) {
    if (!isGeometricStep(step)) {
      photometric.push(step as PhotometricStep);
      continue;
    }
    // A mirror commutes with every photometric step (all are per-pixel or symmetric), a crop or
    // resize does not (contrast uses the whole image's mean).
    if (photometric.length > 0 && step.op !== 'horizontalFlip') {
      throw new SsdetError(
        'VIEWS_INVALID',
        `View "${spec.name}": the geometric step "${step.op}" comes after a photometric step; crops and resizes must come first.`,
      );
    }
    geometric.push(step as GeometricStep);
  }
  // The 'pil' ops work on the 8-bit image of [0, 1]; after normalisation they would clip.
  const normalized = photometric.findIndex((step) => step.op === 'normalize');
  const latePil = photometric.find(
    (step, i) =>
      normalized >= 0 && i > normalized && 'algorithm' in step && step.algorithm === 'pil',
  );
  if (latePil !== undefined) {
    throw new SsdetError(
      'VIEWS_INVALID',
      `View "${spec.name}": ${latePil.op} with algorithm 'pil' comes after normalize; it works on the 8-bit image, so it must come before.`,
    );
  }
  return { name: spec.name, geometric, photometric };
}

function applyGeometric(step: GeometricStep, geometry: ViewGeometry, rng: Rng): ViewGeometry {
  switch (step.op) {
    case 'randomResizedCrop': {
      const [height, width] = typeof step.size === 'number' ? [step.size, step.size] : step.size;
      const box = sampleRandomResizedCrop(rng, geometry.width, geometry.height, {
        scale: step.scale,
        ratio: step.ratio,
      });
      return cropGeometry(geometry, box, width, height);
    }
    case 'resize': {
      const [height, width] = typeof step.size === 'number' ? [step.size, step.size] : step.size;
      return resizeGeometry(geometry, width, height);
    }
    case 'resizeShorterSide': {
      const [height, width] = shorterSideSize(
        geometry.width,
        geometry.height,
        rng.choice(step.sizes),
        step.maxSize,
      );
      return resizeGeometry(geometry, width, height);
    }
    case 'horizontalFlip':
      return rng.bernoulli(step.p) ? flipGeometry(geometry) : geometry;
  }
}

function applyPhotometric(step: PhotometricStep, image: RgbImage, rng: Rng): RgbImage {
  switch (step.op) {
    case 'colorJitter':
      if (rng.bernoulli(step.p)) {
        const draw = drawColorJitter(rng, step);
        if (step.algorithm === 'pil') applyPilColorJitter(image, draw);
        else applyColorJitter(image, draw);
      }
      return image;
    case 'grayscale':
      if (!rng.bernoulli(step.p)) return image;
      if (step.algorithm === 'pil') pilGrayscaleImage(image);
      else grayscale(image);
      return image;
    case 'gaussianBlur': {
      if (!rng.bernoulli(step.p)) return image;
      const sigma = rng.uniform(step.sigma[0], step.sigma[1]);
      if (step.algorithm === 'pil') return pilGaussianBlur(image, sigma);
      return gaussianBlur(
        image,
        step.kernelSize ?? blurKernelSizeFor(Math.min(image.width, image.height)),
        sigma,
      );
    }
    case 'solarize':
      if (rng.bernoulli(step.p)) solarize(image, step.threshold);
      return image;
    case 'normalize':
      normalize(image, step.mean, step.std);
      return image;
  }
}
