import sharp from 'sharp';
import type { DecodedImage, Regions } from '@ssdet/core';
import { drawRegions } from '../preview/draw-regions.js';

/** Previews are written for at most this many images per job (the first ones of the shard). */
export const PREVIEW_LIMIT = 16;

/** `000012-images_000012.jpg.png`: the dataset index, then the id made file-name safe. */
export function previewFileName(index: number, id: string): string {
  return `${String(index).padStart(6, '0')}-${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`;
}

/** Draws the regions (boxes, and the mask when there is one) over the image and writes a PNG. */
export async function writePreview(
  file: string,
  image: DecodedImage,
  regions: Regions,
): Promise<void> {
  const drawn = drawRegions(image, regions);
  await sharp(drawn.pixels, { raw: { width: drawn.width, height: drawn.height, channels: 3 } })
    .png()
    .toFile(file);
}
