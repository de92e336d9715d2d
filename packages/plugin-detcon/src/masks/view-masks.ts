import { SsdetError, type BatchedView, type Rng } from '@ssdet/core';
import { maskGrid } from './mask-grid.js';
import { sampledMasks } from './pool-masked.js';
import { sampleMaskIds } from './sample-mask-ids.js';

/** The masks of one batched view, on the feature grid, with the sampled ids. */
export interface SampledViewMasks {
  /** Per image, the K sampled mask ids. */
  readonly ids: readonly Int32Array[];
  /** `[B, K, gridHeight·gridWidth]` binary masks of the sampled ids (for {@link poolMasked}). */
  readonly masks: Float32Array;
  readonly gridWidth: number;
  readonly gridHeight: number;
}

/**
 * A batched view's label masks `[B, H, W]` → each image's grid of mask ids ({@link maskGrid},
 * cells `cell × cell`) → `samples` ids per image ({@link sampleMaskIds}) → their binary masks.
 * The official `create_binary_mask` then `sample_masks`, on the CPU.
 */
export function sampleViewMasks(
  view: BatchedView,
  options: { readonly cell: number; readonly samples: number; readonly maxMaskId: number },
  rng: Rng,
  viewName: string,
): SampledViewMasks {
  if (view.masks === undefined) {
    throw new SsdetError(
      'DETCON_BAD_BATCH',
      `DetCon needs the masks of view "${viewName}"; the batch has none.`,
      {
        hint: 'Build the batch with method.views from samples that have regions (regions.algorithm=fh).',
      },
    );
  }
  const [b, height, width] = view.masks.shape;
  const labels = view.masks.dataSync() as Int32Array;
  const grids: Int32Array[] = [];
  const ids: Int32Array[] = [];
  let gridWidth = 0;
  let gridHeight = 0;
  for (let i = 0; i < b; i++) {
    const grid = maskGrid(
      { width, height, labels: labels.subarray(i * width * height, (i + 1) * width * height) },
      options.cell,
      options.maxMaskId,
    );
    gridWidth = grid.width;
    gridHeight = grid.height;
    grids.push(grid.ids);
    ids.push(sampleMaskIds(grid.ids, options.samples, rng));
  }
  return { ids, masks: sampledMasks(grids, ids), gridWidth, gridHeight };
}
