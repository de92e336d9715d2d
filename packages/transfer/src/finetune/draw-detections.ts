import { distinctColor, type DecodedImage } from '@ssdet/core';
import { rleToBitmap, decodeRleCounts } from '@ssdet/data';
import sharp from 'sharp';
import type { ImageDetections } from './detect-images.js';

/**
 * An image with its detections drawn, as PNG bytes: masks (when present) tinted at 45% in the
 * class colour, boxes outlined, and a `name score` label above each box. Colours are per class.
 */
export async function drawDetections(
  image: DecodedImage,
  detections: ImageDetections,
  className: (categoryId: number) => string,
): Promise<Buffer> {
  const { width, height } = image;
  const pixels = Buffer.from(image.pixels);
  const count = detections.scores.length;
  detections.masks?.forEach((mask, k) => {
    const [r, g, b] = distinctColor(detections.categoryIds[k]!);
    const bits = rleToBitmap({ height, width, counts: decodeRleCounts(mask.counts) });
    for (let x = 0; x < width; x++)
      for (let y = 0; y < height; y++) {
        if (bits[x * height + y] !== 1) continue;
        const p = 3 * (y * width + x);
        pixels[p] = Math.round(0.55 * pixels[p]! + 0.45 * r);
        pixels[p + 1] = Math.round(0.55 * pixels[p + 1]! + 0.45 * g);
        pixels[p + 2] = Math.round(0.55 * pixels[p + 2]! + 0.45 * b);
      }
  });
  const shapes: string[] = [];
  for (let k = 0; k < count; k++) {
    const [x1, y1, x2, y2] = detections.boxes.subarray(4 * k, 4 * k + 4);
    const [r, g, b] = distinctColor(detections.categoryIds[k]!);
    const colour = `rgb(${r},${g},${b})`;
    const label = `${className(detections.categoryIds[k]!)} ${detections.scores[k]!.toFixed(2)}`;
    const top = Math.max(12, y1!);
    shapes.push(
      `<rect x="${x1}" y="${y1}" width="${x2! - x1!}" height="${y2! - y1!}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      `<rect x="${x1}" y="${top - 12}" width="${6.5 * label.length + 4}" height="12" fill="${colour}"/>`,
      `<text x="${x1! + 2}" y="${top - 2}" font-family="sans-serif" font-size="11" fill="black">${escapeXml(label)}</text>`,
    );
  }
  const overlay = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`,
  );
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .composite([{ input: overlay, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
}
