import { roiAlign } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** One image's object masks: `[G, H, W]` 0/1, row-major, in the image's pixels. */
export interface ObjectMasks {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

/**
 * torchvision's `project_masks_on_boxes`: each RoI's target is its matched object's mask cut to
 * the RoI and resampled to `size × size` by RoIAlign (scale 1, adaptive sampling,
 * `aligned=False`). Values are mask coverage in [0, 1], the targets of the per-pixel BCE.
 *
 * @returns `[R, size, size]`.
 */
export function projectMasksOnBoxes(
  masks: ObjectMasks,
  rois: Float32Array,
  matchedObjects: Int32Array,
  size: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const count = matchedObjects.length;
    if (count === 0) return tf.zeros([0, size, size]) as tf.Tensor3D;
    const table = new Float32Array(count * 5);
    for (let r = 0; r < count; r++) {
      table[r * 5] = matchedObjects[r]!;
      table.set(rois.subarray(4 * r, 4 * r + 4), r * 5 + 1);
    }
    const features = tf.tensor4d(masks.data, [masks.count, masks.height, masks.width, 1]);
    const pooled = roiAlign(features, table, {
      outputSize: size,
      spatialScale: 1,
      samplingRatio: -1,
      aligned: false,
    });
    return tf.reshape(pooled, [count, size, size]) as tf.Tensor3D;
  });
}
