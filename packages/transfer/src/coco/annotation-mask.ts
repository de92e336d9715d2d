import type { CocoSegmentation } from './coco-format.js';
import { decodeRleCounts, rleFromBox, rleFromPolygon, rleUnion, type Rle } from '@ssdet/data';

/**
 * A segmentation as one mask of the image's size, as pycocotools' `annToRLE` makes it:
 * polygons are rasterised and united (a list whose first entry has four numbers is read as
 * `[x, y, w, h]` boxes, as `frPyObjects` does), uncompressed RLE is taken at its own size,
 * compressed RLE as it is.
 */
export function segmentationToRle(
  segmentation: CocoSegmentation,
  height: number,
  width: number,
): Rle {
  if (Array.isArray(segmentation)) {
    if (segmentation.length === 0) return { height, width, counts: Uint32Array.of(height * width) };
    const asBoxes = segmentation[0]!.length === 4;
    return rleUnion(
      segmentation.map((shape) =>
        asBoxes ? rleFromBox(shape, height, width) : rleFromPolygon(shape, height, width),
      ),
    );
  }
  const [rleHeight, rleWidth] = segmentation.size;
  const counts =
    typeof segmentation.counts === 'string'
      ? decodeRleCounts(segmentation.counts)
      : Uint32Array.from(segmentation.counts);
  return { height: rleHeight, width: rleWidth, counts };
}
