import type { ViewGeometry } from '@ssdet/core';
import { viewToSource } from '@ssdet/data';

/**
 * PLRC's regions in one view (Bai et al., CVPR 2022, §3.2; official `ImageNet.pano_mask`): the
 * source image is cut into a fixed `grid × grid` lattice of rectangles labelled 1 … grid², and the
 * view's `size × size` region mask (56 × 56 officially) gives each mask pixel the label of the
 * source pixel under its centre (nearest neighbour, through the view's crop and flip).
 *
 * @returns `size²` labels, row-major.
 */
export function regionMask(
  geometry: ViewGeometry,
  source: { readonly width: number; readonly height: number },
  grid: number,
  size: number,
): Int32Array {
  const labels = new Int32Array(size * size);
  const cell = (coordinate: number, extent: number): number => {
    const pixel = Math.min(Math.max(Math.floor(coordinate), 0), extent - 1);
    return Math.min(grid - 1, Math.floor(((pixel + 0.5) * grid) / extent));
  };
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const [x, y] = viewToSource(
        geometry,
        ((column + 0.5) * geometry.width) / size,
        ((row + 0.5) * geometry.height) / size,
      );
      labels[row * size + column] = cell(y, source.height) * grid + cell(x, source.width) + 1;
    }
  }
  return labels;
}

/**
 * A `size × size` region mask written at the view's resolution (each label repeated over a
 * `scale × scale` block), so that it travels in a batch as the view's label mask; {@link
 * maskFromView} reads it back exactly.
 */
export function expandMask(labels: Int32Array, size: number, scale: number): Int32Array {
  const side = size * scale;
  const out = new Int32Array(side * side);
  for (let y = 0; y < side; y++) {
    const row = Math.floor(y / scale) * size;
    for (let x = 0; x < side; x++) out[y * side + x] = labels[row + Math.floor(x / scale)]!;
  }
  return out;
}

/** The `size × size` region mask back from a view-resolution label mask (see {@link expandMask}). */
export function maskFromView(viewLabels: Int32Array, side: number, size: number): Int32Array {
  const scale = side / size;
  const out = new Int32Array(size * size);
  for (let row = 0; row < size; row++)
    for (let column = 0; column < size; column++)
      out[row * size + column] = viewLabels[row * scale * side + column * scale]!;
  return out;
}
