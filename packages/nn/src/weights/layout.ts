import { SsdetError } from '@ssdet/core';
import { elementCount, formatShape } from './weight-tensor.js';

/**
 * How a variable's ssdet layout relates to PyTorch's:
 * - `conv-kernel`: ssdet HWIO `[kh, kw, in, out]` ⇄ torch OIHW `[out, in, kh, kw]`;
 * - `linear-weight`: ssdet `[in, out]` ⇄ torch `[out, in]` (`y = x·W` vs `y = x·Wᵀ`);
 * - `same`: everything else (biases, BatchNorm parameters and statistics, scalars).
 */
export type TorchLayout = 'conv-kernel' | 'linear-weight' | 'same';

/** Chooses a {@link TorchLayout} for a variable; pass your own for, e.g., embedding tables. */
export type LayoutRule = (name: string, rank: number) => TorchLayout;

/**
 * The default rule: a rank-4 `*.weight` is a convolution kernel, a rank-2 `*.weight` a Linear
 * weight, anything else keeps its layout. An `nn.Embedding`-style `*.weight` `[num, dim]` —
 * which PyTorch and ssdet store alike — needs a custom rule.
 */
export const defaultLayoutRule: LayoutRule = (name, rank) => {
  if (!name.endsWith('.weight') && name !== 'weight') return 'same';
  if (rank === 4) return 'conv-kernel';
  if (rank === 2) return 'linear-weight';
  return 'same';
};

/** Reorders the axes of a C-order array: output axis `k` is input axis `perm[k]`. */
export function permuteAxes<T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
  perm: readonly number[],
): { data: T; shape: number[] } {
  const rank = shape.length;
  if (perm.length !== rank || elementCount(shape) !== data.length) {
    throw new SsdetError(
      'WEIGHTS_LAYOUT',
      `Cannot permute ${data.length} values of shape ${formatShape(shape)} by ${formatShape(perm)}.`,
    );
  }
  const outShape = perm.map((axis) => shape[axis]!);
  const inStrides = new Array<number>(rank);
  for (let axis = rank - 1, stride = 1; axis >= 0; axis--) {
    inStrides[axis] = stride;
    stride *= shape[axis]!;
  }
  const strides = perm.map((axis) => inStrides[axis]!);
  const out = new (data.constructor as new (length: number) => T)(data.length);
  const counter = new Array<number>(rank).fill(0);
  let source = 0;
  for (let i = 0; i < data.length; i++) {
    out[i] = data[source]!;
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]! += 1;
      source += strides[axis]!;
      if (counter[axis]! < outShape[axis]!) break;
      source -= outShape[axis]! * strides[axis]!;
      counter[axis] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Activations `[N, C, H, W]` → `[N, H, W, C]`. */
export const nchwToNhwc = <T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
) => permuteAxes(data, shape, [0, 2, 3, 1]);
/** Activations `[N, H, W, C]` → `[N, C, H, W]`. */
export const nhwcToNchw = <T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
) => permuteAxes(data, shape, [0, 3, 1, 2]);
/** Kernels `[out, in, kh, kw]` → `[kh, kw, in, out]`. */
export const oihwToHwio = <T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
) => permuteAxes(data, shape, [2, 3, 1, 0]);
/** Kernels `[kh, kw, in, out]` → `[out, in, kh, kw]`. */
export const hwioToOihw = <T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
) => permuteAxes(data, shape, [3, 2, 0, 1]);
/** `[a, b]` → `[b, a]` (Linear weights either way). */
export const transpose2d = <T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
) => permuteAxes(data, shape, [1, 0]);

/** Converts a tensor from PyTorch's layout to ssdet's. */
export function fromTorchLayout<T extends Float32Array | Int32Array>(
  layout: TorchLayout,
  data: T,
  shape: readonly number[],
): { data: T; shape: number[] } {
  if (layout === 'conv-kernel') return oihwToHwio(data, shape);
  if (layout === 'linear-weight') return transpose2d(data, shape);
  return { data, shape: [...shape] };
}

/** Converts a tensor from ssdet's layout to PyTorch's. */
export function toTorchLayout<T extends Float32Array | Int32Array>(
  layout: TorchLayout,
  data: T,
  shape: readonly number[],
): { data: T; shape: number[] } {
  if (layout === 'conv-kernel') return hwioToOihw(data, shape);
  if (layout === 'linear-weight') return transpose2d(data, shape);
  return { data, shape: [...shape] };
}
