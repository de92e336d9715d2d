import type { DecodedImage } from '@ssdet/core';
import { readReferenceFixture, readReferenceJson } from '@ssdet/test-support';

/** Fixtures in tools/reference/fixtures/proposals, written by tools/reference/proposals/make_fixtures.py. */

export const PHOTOS = ['astronaut', 'coffee', 'chelsea'] as const;

interface Manifest {
  images: Record<string, { width: number; height: number }>;
  fhSkimage: [number, number, number][];
  fhOpencv: [number, number, number][];
}

export function manifest(): Manifest {
  return readReferenceJson<Manifest>('proposals', 'manifest.json');
}

export function readBytes(name: string): Uint8Array {
  const buffer = readReferenceFixture('proposals', name);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function readFloat32(name: string): Float32Array {
  const bytes = readBytes(name);
  return new Float32Array(bytes.slice().buffer);
}

export function readLabels(name: string): Int32Array {
  const bytes = readBytes(name);
  const u16 = new Uint16Array(bytes.slice().buffer);
  return Int32Array.from(u16);
}

export function readJson<T>(name: string): T {
  return readReferenceJson<T>('proposals', name);
}

export function photo(name: string): DecodedImage {
  const size = manifest().images[name];
  if (!size) throw new Error(`no fixture image ${name}`);
  return { width: size.width, height: size.height, pixels: readBytes(`images/${name}.rgb`) };
}
