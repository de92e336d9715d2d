import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's tools/reference/fixtures directory. */
export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../tools/reference/fixtures',
);

/** The bundled photos (packages/core/assets/photos). */
export const PHOTOS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../assets/photos',
);

export interface TransformGolden {
  readonly input: { readonly width: number; readonly height: number; readonly pixels: Uint8Array };
  readonly cases: ReadonlyMap<
    string,
    {
      readonly params: Record<string, unknown>;
      readonly shape: readonly number[];
      readonly data: Float32Array;
    }
  >;
}

/** torchvision's outputs for tools/reference/data/make_transform_golden.py. */
export function loadTransformGolden(): TransformGolden {
  const index = JSON.parse(
    readFileSync(path.join(FIXTURES, 'data', 'transforms.json'), 'utf8'),
  ) as {
    input: { height: number; width: number; offset: number; bytes: number };
    cases: { name: string; params: Record<string, unknown>; shape: number[]; offset: number }[];
  };
  const blob = readFileSync(path.join(FIXTURES, 'data', 'transforms.bin'));
  const bytes = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  const cases = new Map<
    string,
    { params: Record<string, unknown>; shape: number[]; data: Float32Array }
  >();
  for (const entry of index.cases) {
    const length = entry.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(length);
    new Uint8Array(data.buffer).set(bytes.subarray(entry.offset, entry.offset + length * 4));
    cases.set(entry.name, { params: entry.params, shape: entry.shape, data });
  }
  return {
    input: {
      width: index.input.width,
      height: index.input.height,
      pixels: bytes.slice(0, index.input.bytes),
    },
    cases,
  };
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export function meanAbsDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
