import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReferenceFixture, readReferenceJson } from '@ssdet/test-support';

/** The bundled photos (packages/data/assets/photos). */
export const PHOTOS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../assets/photos',
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
  const index = readReferenceJson<{
    input: { height: number; width: number; offset: number; bytes: number };
    cases: { name: string; params: Record<string, unknown>; shape: number[]; offset: number }[];
  }>('data', 'transforms.json');
  const blob = readReferenceFixture('data', 'transforms.bin');
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
