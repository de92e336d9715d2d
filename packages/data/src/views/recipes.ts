import { viewSpecSchema, type ViewSpec, type ViewSpecInput } from './view-spec.js';

const parse = (spec: ViewSpecInput): ViewSpec => viewSpecSchema.parse(spec);

/**
 * MoCo v2's two views (Chen et al. 2020, "Improved Baselines with Momentum Contrastive
 * Learning"; facebookresearch/moco `main_moco.py` with `--aug-plus`): RandomResizedCrop(scale
 * 0.2–1), ColorJitter(0.4, 0.4, 0.4, 0.1) p 0.8, grayscale p 0.2, Gaussian blur σ ∈ [0.1, 2]
 * p 0.5, flip, ImageNet normalisation. DenseCL and DetCo use these.
 *
 * MoCo augments PIL images, so jitter, grayscale and blur are the 8-bit PIL operations
 * (`algorithm: 'pil'`): the blur is Pillow's `GaussianBlur(radius=σ)`, three extended box
 * filters, not a sampled Gaussian kernel, and the jitter truncates to 8 bits at every step.
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
        {
          op: 'colorJitter',
          brightness: 0.4,
          contrast: 0.4,
          saturation: 0.4,
          hue: 0.1,
          p: 0.8,
          algorithm: 'pil',
        },
        { op: 'grayscale', p: 0.2, algorithm: 'pil' },
        { op: 'gaussianBlur', sigma: [0.1, 2], p: 0.5, algorithm: 'pil' },
        { op: 'horizontalFlip', p: 0.5 },
        { op: 'normalize' },
      ],
    }),
  );
}

/**
 * BYOL's asymmetric views (Grill et al. 2020, table 6): RandomResizedCrop(0.08–1), flip,
 * ColorJitter(0.4, 0.4, 0.2, 0.1) p 0.8, grayscale p 0.2, blur p 1.0 / 0.1, solarize p 0 / 0.2.
 * BYOL augments float images (its blur a sampled Gaussian kernel of 10% of the side), which is
 * torchvision's tensor path (`algorithm: 'torchvision'`, the default).
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
        { op: 'gaussianBlur', sigma: [0.1, 2], p: blur, algorithm: 'torchvision' },
        { op: 'solarize', threshold: 0.5, p: solarize },
        { op: 'normalize' },
      ],
    });
  return [view(names[0], 1.0, 0), view(names[1], 0.1, 0.2)];
}
