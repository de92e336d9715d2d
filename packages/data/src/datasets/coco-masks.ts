import { decodeRleCounts } from './coco-rle.js';

/**
 * COCO segmentations → label masks: polygons (even–odd fill at pixel centres) and run-length
 * encodings, both uncompressed (`counts: number[]`) and compressed (`counts: string`, the
 * pycocotools string format). RLE runs are column-major, alternating background/foreground,
 * starting with background.
 */
export type CocoSegmentation =
  | number[][]
  | { readonly size: readonly [number, number]; readonly counts: number[] | string };

/** Paints `label` where the segmentation covers, into `labels` (`width × height`, row-major). */
export function paintSegmentation(
  labels: Int32Array,
  width: number,
  height: number,
  segmentation: CocoSegmentation,
  label: number,
): void {
  if (Array.isArray(segmentation)) {
    for (const polygon of segmentation) paintPolygon(labels, width, height, polygon, label);
    return;
  }
  const counts =
    typeof segmentation.counts === 'string'
      ? decodeRleCounts(segmentation.counts)
      : segmentation.counts;
  const [rleHeight, rleWidth] = segmentation.size;
  let position = 0;
  for (let run = 0; run < counts.length; run++) {
    const length = counts[run]!;
    if (run % 2 === 1) {
      for (let k = position; k < position + length; k++) {
        const x = Math.floor(k / rleHeight);
        const y = k % rleHeight;
        if (x < width && y < height && x < rleWidth) labels[y * width + x] = label;
      }
    }
    position += length;
  }
}

function paintPolygon(
  labels: Int32Array,
  width: number,
  height: number,
  polygon: readonly number[],
  label: number,
): void {
  const n = Math.floor(polygon.length / 2);
  if (n < 3) return;
  const crossings: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < n; i++) {
      const x0 = polygon[2 * i]!;
      const y0 = polygon[2 * i + 1]!;
      const x1 = polygon[2 * ((i + 1) % n)]!;
      const y1 = polygon[2 * ((i + 1) % n) + 1]!;
      if ((y0 <= cy && y1 > cy) || (y1 <= cy && y0 > cy))
        crossings.push(x0 + ((cy - y0) * (x1 - x0)) / (y1 - y0));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(0, Math.ceil(crossings[k]! - 0.5));
      const to = Math.min(width - 1, Math.floor(crossings[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) labels[y * width + x] = label;
    }
  }
}
