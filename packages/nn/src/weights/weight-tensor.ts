/**
 * Element types that weight files store. Names follow safetensors (`F32`, `I64`, …); PyTorch
 * storages map onto the same set (`FloatStorage` → `F32`, `LongStorage` → `I64`, …).
 */
export type WeightDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U8'
  | 'BOOL';

/** Every dtype this package reads and writes. */
export const WEIGHT_DTYPES: readonly WeightDtype[] = [
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<WeightDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isFloatDtype(dtype: WeightDtype): boolean {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

export function isWeightDtype(value: unknown): value is WeightDtype {
  return typeof value === 'string' && (WEIGHT_DTYPES as readonly string[]).includes(value);
}

/**
 * One tensor of a weight file, decoded into a JavaScript typed array in C (row-major) order.
 *
 * Floating-point dtypes decode to `Float32Array` (exact for F32/F16/BF16; F64 is rounded to the
 * nearest float32). Integer and boolean dtypes decode to `Int32Array` (exact for I32 and
 * narrower; I64 values outside the int32 range are rejected rather than wrapped).
 * `dtype` remembers what the file stored, so a read–write round trip keeps it.
 */
export interface WeightTensor {
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

/** Tensors by name, in file order. */
export type WeightMap = ReadonlyMap<string, WeightTensor>;

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) count *= size;
  return count;
}

/** `[2,3]` → `"[2, 3]"`, for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
