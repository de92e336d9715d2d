import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** Rows of 4 numbers `[x1, y1, x2, y2]`, as a `[L, 4]` tensor or nested arrays. */
export type BoxList = tf.Tensor2D | readonly (readonly number[])[];

/**
 * Regions of interest in torchvision's two forms: a `[R, 5]` table of
 * `[batchIndex, x1, y1, x2, y2]` (tensor, nested arrays, or a flat `Float32Array`), or one
 * `[L_i, 4]` box list per image (image `i` gets batch index `i`). Coordinates are in input-image
 * pixels; `spatialScale` maps them onto a feature map.
 */
export type RoiBoxes =
  | tf.Tensor2D
  | Float32Array
  | readonly (readonly number[])[]
  | readonly BoxList[];

function invalid(problem: string): never {
  throw new SsdetError('ROI_BOXES_INVALID', `RoI boxes: ${problem}`, {
    hint: 'Pass a [R, 5] table of (batch index, x1, y1, x2, y2) or a list with one [L, 4] box list per image.',
  });
}

function rowsOf(
  boxes: tf.Tensor2D | readonly (readonly number[])[],
  width: number,
  what: string,
): Float32Array {
  if (boxes instanceof tf.Tensor) {
    if (boxes.rank !== 2 || (boxes.shape[0] !== 0 && boxes.shape[1] !== width)) {
      invalid(`${what} must have shape [N, ${width}]; got [${boxes.shape.join(', ')}].`);
    }
    return Float32Array.from(boxes.dataSync());
  }
  const out = new Float32Array(boxes.length * width);
  boxes.forEach((row, r) => {
    if (row.length !== width)
      invalid(`${what} row ${r} has ${row.length} numbers; expected ${width}.`);
    out.set(row, r * width);
  });
  return out;
}

/** Normalises any {@link RoiBoxes} form to a flat `[R·5]` array (reads tensors synchronously). */
export function toRoiTable(boxes: RoiBoxes): Float32Array {
  if (boxes instanceof Float32Array) {
    if (boxes.length % 5 !== 0)
      invalid(`a flat table needs 5 numbers per RoI; got ${boxes.length}.`);
    return boxes;
  }
  if (boxes instanceof tf.Tensor) return rowsOf(boxes, 5, 'the RoI table');
  const first = boxes[0];
  const isPerImage = first !== undefined && (first instanceof tf.Tensor || Array.isArray(first[0]));
  if (!isPerImage) return rowsOf(boxes as readonly (readonly number[])[], 5, 'the RoI table');
  const parts = (boxes as readonly BoxList[]).map((list, image) => {
    const rows = rowsOf(list, 4, `image ${image}'s boxes`);
    const table = new Float32Array((rows.length / 4) * 5);
    for (let r = 0; r < rows.length / 4; r++) {
      table[r * 5] = image;
      table.set(rows.subarray(r * 4, r * 4 + 4), r * 5 + 1);
    }
    return table;
  });
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
