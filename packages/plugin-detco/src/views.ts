import {
  SsdetError,
  type Regions,
  type Rng,
  type Sample,
  type View,
  type ViewGenerator,
} from '@ssdet/core';
import { SpecViewGenerator, gridCells, mocoV2Views, type ViewSpec } from '@ssdet/data';
import type { DetcoConfig } from './config.js';

/**
 * The names of DetCo's four inputs in a {@link Batch} (paper fig. 2): the global views I_q (for
 * θ_q) and I_k (for θ_k), and the local patch sets P_q and P_k.
 */
export const DETCO_VIEW_NAMES = ['query', 'key', 'query_patches', 'key_patches'] as const;

/** The view options DetCo's config holds; the two probabilities default to MoCo v2's 0.8 and 0.2. */
export type DetcoViewOptions = Pick<DetcoConfig, 'imageSize' | 'cropScale' | 'jigsaw'> &
  Partial<Pick<DetcoConfig, 'colorJitterProbability' | 'grayscaleProbability'>>;

/**
 * DetCo's views (paper §3 and fig. 2; the port's `main_detco.py` and `ResNet._jigsaw`):
 *
 * - `query`, `key`: two MoCo v2 augmentations of the image — RandomResizedCrop(`imageSize`,
 *   `cropScale`), ColorJitter(0.4, 0.4, 0.4, 0.1) p 0.8, grayscale p 0.2, Pillow Gaussian blur
 *   σ ∈ [0.1, 2] p 0.5, flip, ImageNet normalisation (the shared `mocov2` steps, crop area and the
 *   jitter and grayscale probabilities from the config).
 * - `query_patches`, `key_patches`: each a 3 × 3 jigsaw ({@link cutJigsaw}) of its own MoCo v2
 *   augmentation at `jigsaw.size` with area `jigsaw.cropScale` (`jigsaw.source: 'own-crop'`), or
 *   of the `query` / `key` view itself (`'global-view'`, the port). A patch set is one image of
 *   `patchSize × (grid² · patchSize)`: its patches stacked top to bottom, in shuffled order, so
 *   that the method reshapes a batch of them into `grid²` images per sample.
 *
 * Each view draws from its own stream; the jigsaw's from `rng.fork(<patch view name>)`. A patch
 * set's `geometry` is that of the crop it was cut from (its patches are sub-squares of it).
 */
export class DetcoViewGenerator implements ViewGenerator {
  readonly viewNames: readonly string[] = DETCO_VIEW_NAMES;
  readonly needsRegions = false;
  private readonly base: SpecViewGenerator;
  private readonly patchSources: readonly [string, string];

  constructor(private readonly options: DetcoViewOptions) {
    const { imageSize, cropScale, jigsaw } = options;
    const photometric = {
      colorJitter: options.colorJitterProbability ?? 0.8,
      grayscale: options.grayscaleProbability ?? 0.2,
    };
    const specs = mocoV2Views(imageSize, ['query', 'key']).map((spec) =>
      withDetcoRecipe(spec, cropScale, photometric),
    );
    if (jigsaw.source === 'own-crop') {
      specs.push(
        ...mocoV2Views(jigsaw.size, ['query_jigsaw', 'key_jigsaw']).map((spec) =>
          withDetcoRecipe(spec, jigsaw.cropScale, photometric),
        ),
      );
      this.patchSources = ['query_jigsaw', 'key_jigsaw'];
    } else {
      this.patchSources = ['query', 'key'];
    }
    this.base = new SpecViewGenerator(specs);
  }

  async generate(sample: Sample, _regions: Regions | undefined, rng: Rng): Promise<View[]> {
    const rendered = new Map(
      (await this.base.generate(sample, undefined, rng)).map((view) => [view.name, view]),
    );
    const { grid, patchSize } = this.options.jigsaw;
    const patches = (name: string, source: string): View =>
      cutJigsaw(rendered.get(source)!, { name, grid, patchSize }, rng.fork(name));
    return [
      rendered.get('query')!,
      rendered.get('key')!,
      patches('query_patches', this.patchSources[0]),
      patches('key_patches', this.patchSources[1]),
    ];
  }
}

/** MoCo v2's view recipe with its crop area range and its jitter and grayscale probabilities replaced. */
function withDetcoRecipe(
  spec: ViewSpec,
  scale: readonly [number, number],
  probabilities: { readonly colorJitter: number; readonly grayscale: number },
): ViewSpec {
  return {
    ...spec,
    steps: spec.steps.map((step) => {
      if (step.op === 'randomResizedCrop') return { ...step, scale: [scale[0], scale[1]] };
      if (step.op === 'colorJitter') return { ...step, p: probabilities.colorJitter };
      if (step.op === 'grayscale') return { ...step, p: probabilities.grayscale };
      return step;
    }),
  };
}

/**
 * The jigsaw of a view (paper §3; the port's `_jigsaw` and `_random_crop`): the view is split
 * into a `grid × grid` grid of cells (integer edges, {@link gridCells}), a random
 * `patchSize × patchSize` square is taken inside each cell, and the `grid²` patches are
 * shuffled. Returns them stacked top to bottom as one view `patchSize` wide and
 * `grid² · patchSize` tall: rows `i·patchSize … (i+1)·patchSize − 1` hold the i-th patch of the
 * shuffled order.
 *
 * The port draws one crop offset per cell and one shuffle per batch; here every image draws its
 * own (`rng`), which the paper leaves open.
 */
export function cutJigsaw(
  view: View,
  options: { readonly name: string; readonly grid: number; readonly patchSize: number },
  rng: Rng,
): View {
  const { name, grid, patchSize } = options;
  const cells = gridCells(view.width, view.height, grid, grid);
  const patchLength = patchSize * patchSize * 3;
  const pixels = new Float32Array(cells.length * patchLength);
  const order = rng.permutation(cells.length);
  order.forEach((cellIndex, position) => {
    const [x0, y0, x1, y1] = cells[cellIndex]!;
    if (x1 - x0 < patchSize || y1 - y0 < patchSize) {
      throw new SsdetError(
        'DETCO_JIGSAW',
        `A ${grid} × ${grid} jigsaw of the ${view.width} × ${view.height} view "${view.name}" has ${x1 - x0} × ${y1 - y0} cells, smaller than the ${patchSize}-pixel patches.`,
        {
          hint: 'Raise jigsaw.size (or imageSize with jigsaw.source=global-view) or lower jigsaw.patchSize.',
        },
      );
    }
    const left = x0 + rng.int(0, x1 - x0 - patchSize + 1);
    const top = y0 + rng.int(0, y1 - y0 - patchSize + 1);
    const out = position * patchLength;
    for (let row = 0; row < patchSize; row++) {
      const from = ((top + row) * view.width + left) * 3;
      pixels.set(view.pixels.subarray(from, from + patchSize * 3), out + row * patchSize * 3);
    }
  });
  return {
    name,
    width: patchSize,
    height: cells.length * patchSize,
    pixels,
    geometry: view.geometry,
  };
}
