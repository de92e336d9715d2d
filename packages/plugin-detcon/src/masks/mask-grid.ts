import { SsdetError, type LabelMask } from '@ssdet/core';

/** One view's mask reduced to the feature grid: a mask id per cell, row-major. */
export interface MaskGrid {
  readonly width: number;
  readonly height: number;
  /** `height × width` mask ids in `[0, maxMaskId)`. */
  readonly ids: Int32Array;
}

/**
 * A view's label mask → one mask id per cell of the `cell × cell` feature grid, the official
 * `create_binary_mask` (google-deepmind/detcon `detcon_b.py`): one-hot over `maxMaskId` ids,
 * average-pooled `cell × cell` with stride `cell` (`'VALID'`: rows and columns past the last whole
 * cell are dropped), then argmax over ids — so every cell belongs to exactly one mask, the one
 * covering most of its pixels, the smallest id among ties (`jnp.argmax` takes the first maximum;
 * counts / cell² are exact in float32, so this integer count gives the same winner).
 *
 * Labels are taken modulo `maxMaskId`: the official masks are stored as `uint8`, so with its 256
 * ids label 256 + i of an image with more segments is id i.
 */
export function maskGrid(mask: LabelMask, cell: number, maxMaskId = 256): MaskGrid {
  if (!Number.isInteger(cell) || cell < 1 || !Number.isInteger(maxMaskId) || maxMaskId < 1) {
    throw new SsdetError(
      'DETCON_BAD_OPTION',
      `maskGrid: cell and maxMaskId must be positive integers; got ${cell} and ${maxMaskId}.`,
    );
  }
  const width = Math.floor(mask.width / cell);
  const height = Math.floor(mask.height / cell);
  if (width < 1 || height < 1) {
    throw new SsdetError(
      'DETCON_BAD_MASK',
      `A ${mask.width} × ${mask.height} mask has no whole ${cell} × ${cell} cell; views must be at least ${cell} pixels on each side.`,
    );
  }
  const ids = new Int32Array(width * height);
  const counts = new Int32Array(maxMaskId);
  const touched: number[] = [];
  for (let gy = 0; gy < height; gy++) {
    for (let gx = 0; gx < width; gx++) {
      for (let y = gy * cell; y < (gy + 1) * cell; y++) {
        const row = y * mask.width;
        for (let x = gx * cell; x < (gx + 1) * cell; x++) {
          const id = ((mask.labels[row + x]! % maxMaskId) + maxMaskId) % maxMaskId;
          if (counts[id] === 0) touched.push(id);
          counts[id]!++;
        }
      }
      let best = -1;
      let bestCount = 0;
      for (const id of touched) {
        const count = counts[id]!;
        if (count > bestCount || (count === bestCount && id < best)) {
          best = id;
          bestCount = count;
        }
        counts[id] = 0;
      }
      touched.length = 0;
      ids[gy * width + gx] = best;
    }
  }
  return { width, height, ids };
}
