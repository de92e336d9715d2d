import { createHash } from 'node:crypto';
import type { DecodedImage } from '@ssdet/core';
import { resizeBilinear } from '../image/resize-bilinear.js';
import { readJson, socoPhoto } from './fixtures.js';

/**
 * `opencv-exact.json` and its companions, written by
 * tools/reference/proposals/make_opencv_exact_fixtures.py with OpenCV 4.6.
 */

/** The six fixture photos (soco-photos/*.jpg). */
export const EXACT_PHOTOS = ['astronaut', 'chelsea', 'coffee', 'rocket', 'ihc', 'retina'] as const;
export type ExactPhoto = (typeof EXACT_PHOTOS)[number];
export const SELECTIVE_SEARCH_MODES = ['fast', 'quality', 'single'] as const;

export interface OpencvExactFixture {
  lab: { sha256: string; hardColours: [number, number, number, number, number, number][] };
  resize: Record<string, Record<string, string>>;
  gaussianKernels: Record<string, number[]>;
  gaussianBlur: Record<string, Record<string, string>>;
  selectiveSearch: Record<string, Record<string, { count: number; sha256: string }>>;
  sizes: Record<
    string,
    { full: [number, number]; small: [number, number]; medium: [number, number] }
  >;
}

export function opencvExact(): OpencvExactFixture {
  return readJson<OpencvExactFixture>('opencv-exact.json');
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A fixture photo at full size, or resized (cv2.resize INTER_LINEAR) to 128 px (`small`) or
 * 192 px (`medium`) on its long side.
 */
export async function exactPhoto(
  name: ExactPhoto,
  size: 'full' | 'small' | 'medium',
): Promise<DecodedImage> {
  const image = await socoPhoto(name);
  if (size === 'full') return image;
  const [width, height] = opencvExact().sizes[name]![size];
  return resizeBilinear(image, width, height);
}

/** Distinct integer boxes as OpenCV rects [x, y, w, h], sorted lexicographically. */
export function rectSet(xyxy: Float32Array): [number, number, number, number][] {
  const seen = new Map<string, [number, number, number, number]>();
  for (let i = 0; i < xyxy.length; i += 4) {
    const rect: [number, number, number, number] = [
      xyxy[i]!,
      xyxy[i + 1]!,
      xyxy[i + 2]! - xyxy[i]!,
      xyxy[i + 3]! - xyxy[i + 1]!,
    ];
    seen.set(rect.join(), rect);
  }
  return [...seen.values()].sort(
    (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3],
  );
}

/** The fixture's hash of a rect set: one "x,y,w,h\n" line per rect. */
export function rectSetHash(rects: readonly (readonly number[])[]): string {
  return sha256(rects.map((r) => `${r.join(',')}\n`).join(''));
}
