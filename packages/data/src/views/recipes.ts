import { viewSpecSchema, type ViewSpec, type ViewSpecInput } from './view-spec.js';

const parse = (spec: ViewSpecInput): ViewSpec => viewSpecSchema.parse(spec);

/**
 * MoCo v2's two views (Chen et al. 2020, "Improved Baselines with Momentum Contrastive
 * Learning"; facebookresearch/moco `main_moco.py` with `--aug-plus`): RandomResizedCrop(scale
 * 0.2–1), ColorJitter(0.4, 0.4, 0.4, 0.1) p 0.8, grayscale p 0.2, Gaussian blur σ ∈ [0.1, 2]
 * p 0.5, flip, ImageNet normalisation. DenseCL and DetCo use these.
 *
 * MoCo blurs with PIL's `GaussianBlur(radius=σ)`, an untruncated Gaussian; the kernel here
 * (10% of the side, 23 at 224, ≥ 6σ + 1 for every σ ≤ 2) approximates it to < 1e-3.
 */
export function mocoV2Views(
  size = 224,
  names: readonly [string, string] = ['query', 'key'],
): ViewSpec[] {
  return names.map((name) =>
    parse({
      name,
      steps: [
        { op: 'randomResizedCrop', size, scale: [0.2, 1] },
        { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
        { op: 'grayscale', p: 0.2 },
        { op: 'gaussianBlur', sigma: [0.1, 2], p: 0.5 },
        { op: 'horizontalFlip', p: 0.5 },
        { op: 'normalize' },
      ],
    }),
  );
}

/**
 * BYOL's asymmetric views (Grill et al. 2020, table 6): RandomResizedCrop(0.08–1), flip,
 * ColorJitter(0.4, 0.4, 0.2, 0.1) p 0.8, grayscale p 0.2, blur p 1.0 / 0.1, solarize p 0 / 0.2.
 */
export function byolViews(
  size = 224,
  names: readonly [string, string] = ['view1', 'view2'],
): ViewSpec[] {
  const view = (name: string, blur: number, solarize: number): ViewSpec =>
    parse({
      name,
      steps: [
        { op: 'randomResizedCrop', size, scale: [0.08, 1] },
        { op: 'horizontalFlip', p: 0.5 },
        { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
        { op: 'grayscale', p: 0.2 },
        { op: 'gaussianBlur', sigma: [0.1, 2], p: blur },
        { op: 'solarize', threshold: 0.5, p: solarize },
        { op: 'normalize' },
      ],
    });
  return [view(names[0], 1.0, 0), view(names[1], 0.1, 0.2)];
}
