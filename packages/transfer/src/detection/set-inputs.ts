import * as tf from '@tensorflow/tfjs-core';
import type { SetTarget } from '@ssdet/detr';
import type { DetectionInput, DetectionTargets } from './detector.js';

/** `[B, H, W]` 1 inside each image, 0 in its padding. */
export function paddingMask(input: DetectionInput): tf.Tensor3D {
  const [batch, height, width] = input.images.shape;
  const values = new Float32Array(batch * height * width);
  input.imageSizes.forEach(([h, w], b) => {
    for (let y = 0; y < h; y++)
      values.fill(1, (b * height + y) * width, (b * height + y) * width + w);
  });
  return tf.tensor3d(values, [batch, height, width]);
}

/** xyxy pixel boxes → `[N, 4]` (cx, cy, w, h) as fractions of the image's own size. */
export function normalizedCxcywh(
  boxes: Float32Array,
  [height, width]: readonly [number, number],
): tf.Tensor2D {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = (boxes[i]! + boxes[i + 2]!) / 2 / width;
    out[i + 1] = (boxes[i + 1]! + boxes[i + 3]!) / 2 / height;
    out[i + 2] = (boxes[i + 2]! - boxes[i]!) / width;
    out[i + 3] = (boxes[i + 3]! - boxes[i + 1]!) / height;
  }
  return tf.tensor2d(out, [boxes.length / 4, 4]);
}

/** Detection targets as the set criterion reads them: classes 0 … C − 1 (ours are 1 … C), boxes normalised. */
export function toSetTargets(
  targets: readonly DetectionTargets[],
  imageSizes: DetectionInput['imageSizes'],
): SetTarget[] {
  return targets.map((target, b) => ({
    labels: Int32Array.from(target.labels, (label) => label - 1),
    boxes: normalizedCxcywh(target.boxes, imageSizes[b]!),
  }));
}

/** The `queries`' normalised (cx, cy, w, h) boxes as xyxy pixels of a `height × width` image, in that order. */
export function pixelBoxes(
  boxes: readonly (readonly number[])[],
  queries: readonly number[],
  [height, width]: readonly [number, number],
): Float32Array {
  const out = new Float32Array(queries.length * 4);
  queries.forEach((q, k) => {
    const [cx, cy, w, h] = boxes[q]!;
    out.set(
      [
        (cx! - w! / 2) * width,
        (cy! - h! / 2) * height,
        (cx! + w! / 2) * width,
        (cy! + h! / 2) * height,
      ],
      4 * k,
    );
  });
  return out;
}
