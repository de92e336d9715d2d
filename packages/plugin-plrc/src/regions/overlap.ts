import type { ViewGeometry } from '@ssdet/core';

/**
 * A view's crop as the official `coord` (PLRC `RandomResizedCropCoord`): `[x0, y0, x1, y1]` of its
 * first and last source pixels, normalised by (W − 1, H − 1); a mirrored view has x0 and x1
 * swapped, so that its bins run right to left.
 */
export function cropCoordinates(
  geometry: ViewGeometry,
  source: { readonly width: number; readonly height: number },
): [number, number, number, number] {
  const [x0, y0, x1, y1] = geometry.sourceBox;
  const w = Math.max(source.width - 1, 1);
  const h = Math.max(source.height - 1, 1);
  const left = x0 / w;
  const right = (x1 - 1) / w;
  return geometry.flipped
    ? [right, y0 / h, left, (y1 - 1) / h]
    : [left, y0 / h, right, (y1 - 1) / h];
}

/** Overlapping pixel pairs of two views' `size × size` grids: row-major pixel indices. */
export interface PixelPairs {
  readonly query: Int32Array;
  readonly key: Int32Array;
}

const f = Math.fround;

/**
 * The point pairs of PLRC's affinity distillation (official `utils.overlap`, `pos_ratio = 0.5`):
 * each view's crop is cut into `size × size` bins; a query bin and a key bin are a pair when their
 * centres, in normalised source coordinates, lie closer than half the larger of the two bin
 * diagonals. Computed in float32 as the official; pairs come in row-major order of (query pixel,
 * key pixel), as `torch.nonzero` lists them. Only key bins near each query bin are examined.
 */
export function overlappingPixels(
  coordQuery: readonly number[],
  coordKey: readonly number[],
  size: number,
  ratio = 0.5,
): PixelPairs {
  const bins = (c: readonly number[]) => ({
    width: f(f(f(c[2]!) - f(c[0]!)) / size),
    height: f(f(f(c[3]!) - f(c[1]!)) / size),
    x: f(c[0]!),
    y: f(c[1]!),
  });
  const q = bins(coordQuery);
  const k = bins(coordKey);
  const diagonal = (b: { width: number; height: number }) =>
    f(Math.sqrt(f(f(b.width * b.width) + f(b.height * b.height))));
  const maxDiagonal = Math.max(diagonal(q), diagonal(k));
  const centre = (index: number, bin: number, start: number) => f(f(f(index + 0.5) * bin) + start);
  const kx = Array.from({ length: size }, (_, i) => centre(i, k.width, k.x));
  const ky = Array.from({ length: size }, (_, i) => centre(i, k.height, k.y));
  // The key indices whose centres may lie within `reach` of `value` along one axis.
  const reach = maxDiagonal * ratio * 1.001 + 1e-6;
  const window = (value: number, bin: number, start: number): [number, number] => {
    if (Math.abs(bin) < 1e-12) return [0, size - 1];
    const a = (value - reach - start) / bin - 0.5;
    const b = (value + reach - start) / bin - 0.5;
    return [
      Math.max(0, Math.floor(Math.min(a, b)) - 1),
      Math.min(size - 1, Math.ceil(Math.max(a, b)) + 1),
    ];
  };
  const query: number[] = [];
  const key: number[] = [];
  for (let qy = 0; qy < size; qy++) {
    const cy = centre(qy, q.height, q.y);
    const [y0, y1] = window(cy, k.height, k.y);
    for (let qx = 0; qx < size; qx++) {
      const cx = centre(qx, q.width, q.x);
      const [x0, x1] = window(cx, k.width, k.x);
      for (let y = y0; y <= y1; y++) {
        const dy = f(cy - ky[y]!);
        for (let x = x0; x <= x1; x++) {
          const dx = f(cx - kx[x]!);
          const distance = f(f(Math.sqrt(f(f(dx * dx) + f(dy * dy)))) / maxDiagonal);
          if (distance < ratio) {
            query.push(qy * size + qx);
            key.push(y * size + x);
          }
        }
      }
    }
  }
  return { query: Int32Array.from(query), key: Int32Array.from(key) };
}
