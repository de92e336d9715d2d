import * as tf from '@tensorflow/tfjs-core';
import type { DetectionInput } from './detector.js';

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
