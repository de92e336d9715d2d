import * as tf from '@tensorflow/tfjs-core';

/**
 * A `[B, H, W]` pixel mask resized to a feature map's `[h, w]` by nearest neighbour with
 * source index ⌊i·H/h⌋ — `F.interpolate(mask, size)` (mode 'nearest'), as DETR's backbone
 * derives each level's mask from the image's.
 */
export function resizePixelMask(mask: tf.Tensor3D, size: readonly [number, number]): tf.Tensor3D {
  const [, height, width] = mask.shape;
  const [outHeight, outWidth] = size;
  const rows = Int32Array.from({ length: outHeight }, (_, i) =>
    Math.min(height - 1, Math.floor((i * height) / outHeight)),
  );
  const cols = Int32Array.from({ length: outWidth }, (_, j) =>
    Math.min(width - 1, Math.floor((j * width) / outWidth)),
  );
  return tf.tidy(() =>
    tf.gather(tf.gather(mask, tf.tensor1d(rows, 'int32'), 1), tf.tensor1d(cols, 'int32'), 2),
  );
}
