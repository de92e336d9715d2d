import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend.js';
import { nearestSources } from './resize-nearest-neighbor-gradient.js';
import './register-gradients.js';

/**
 * The reference gradient, independent of the code under test: the forward pass itself, run on an
 * image whose pixels hold their own index, says which input pixel each output pixel copied.
 */
function referenceGradient(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const [batch, inHeight, inWidth, channels] = inputShape;
  const [, outHeight, outWidth] = dy.shape;
  const indexImage = tf.tidy(() =>
    tf.reshape(tf.range(0, inHeight * inWidth, 1, 'float32'), [1, inHeight, inWidth, 1]),
  );
  const copied = tf.tidy(() =>
    tf.image.resizeNearestNeighbor(
      indexImage as tf.Tensor4D,
      [outHeight, outWidth],
      alignCorners,
      halfPixelCenters,
    ),
  );
  const source = copied.dataSync();
  const upstream = dy.dataSync();
  tf.dispose([indexImage, copied]);
  const dx = new Float32Array(batch * inHeight * inWidth * channels);
  for (let b = 0; b < batch; b++)
    for (let p = 0; p < outHeight * outWidth; p++)
      for (let d = 0; d < channels; d++)
        dx[(b * inHeight * inWidth + source[p]!) * channels + d]! +=
          upstream[(b * outHeight * outWidth + p) * channels + d]!;
  return dx;
}

const CASES: {
  input: [number, number, number, number];
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}[] = [
  { input: [3, 4, 5, 2], size: [8, 10], alignCorners: false, halfPixelCenters: false },
  { input: [2, 7, 6, 3], size: [14, 12], alignCorners: false, halfPixelCenters: true },
  { input: [2, 5, 4, 2], size: [7, 9], alignCorners: false, halfPixelCenters: false },
  { input: [2, 5, 4, 2], size: [7, 9], alignCorners: true, halfPixelCenters: false },
  { input: [2, 6, 6, 1], size: [4, 3], alignCorners: false, halfPixelCenters: true },
  { input: [1, 3, 3, 2], size: [6, 6], alignCorners: false, halfPixelCenters: false },
];

describe('the gradient of resizeNearestNeighbor', () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
  });

  it.each(CASES)(
    'sends each output pixel back to its source, per image: $input → $size',
    ({ input, size, alignCorners, halfPixelCenters }) => {
      const x = tf.randomNormal(input, 0, 1, 'float32', 1) as tf.Tensor4D;
      const dy = tf.randomNormal([input[0], size[0], size[1], input[3]], 0, 1, 'float32', 2);
      const dx = tf.grad((images: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.image.resizeNearestNeighbor(
              images as tf.Tensor4D,
              size,
              alignCorners,
              halfPixelCenters,
            ),
            dy,
          ),
        ),
      )(x);
      const expected = referenceGradient(input, dy as tf.Tensor4D, alignCorners, halfPixelCenters);
      const actual = dx.dataSync();
      expect(dx.shape).toEqual(input);
      for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 4);
      tf.dispose([x, dy, dx]);
    },
  );

  it('maps indices as the forward kernel does, including the clamp at the last row', () => {
    const rule = { alignCorners: false, halfPixelCenters: false };
    expect(Array.from(nearestSources(3, 6, rule))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(nearestSources(5, 7, rule))).toEqual([0, 0, 1, 2, 2, 3, 4]);
    expect(
      Array.from(nearestSources(5, 7, { alignCorners: true, halfPixelCenters: false })),
    ).toEqual([0, 1, 1, 2, 3, 3, 4]);
  });

  it('keeps no tensors', () => {
    const x = tf.randomNormal([2, 3, 3, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((images: tf.Tensor) =>
        tf.sum(tf.image.resizeNearestNeighbor(images as tf.Tensor4D, [5, 7])),
      )(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
