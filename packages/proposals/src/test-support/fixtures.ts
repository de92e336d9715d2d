import { createHash } from 'node:crypto';
import type { DecodedImage } from '@ssdet/core';
import sharp from 'sharp';
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

/** `soco-ss.json`, written by tools/reference/proposals/make_soco_ss_fixtures.py from SoCo's own code. */
export interface SocoFixture {
  probes: {
    width: number;
    height: number;
    rgb: number[];
    hsv: number[];
    lbp: number[][];
    histogram: { values: number[]; bins25: number[]; bins10: number[] };
  };
  photos: Record<
    string,
    {
      file: string;
      width: number;
      height: number;
      rgbSha1: string;
      segments: number;
      regions: [number, number, number, number][];
      merges: [number, number][];
      filtered: { tier: string; rects: [number, number, number, number][] };
    }
  >;
}

export function socoFixture(): SocoFixture {
  return readJson<SocoFixture>('soco-ss.json');
}

/** A SoCo fixture photo decoded with sharp; throws if it is not the RGB Pillow decoded. */
export async function socoPhoto(name: string): Promise<DecodedImage> {
  const entry = socoFixture().photos[name];
  if (!entry) throw new Error(`no SoCo fixture photo ${name}`);
  const { data, info } = await sharp(readBytes(entry.file))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const sha1 = createHash('sha1').update(pixels).digest('hex');
  if (info.width !== entry.width || info.height !== entry.height || sha1 !== entry.rgbSha1) {
    throw new Error(`${entry.file}: sharp decodes it differently from Pillow (sha1 ${sha1})`);
  }
  return { width: info.width, height: info.height, pixels };
}
