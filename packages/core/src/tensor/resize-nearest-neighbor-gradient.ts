import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `tf.image.resizeNearestNeighbor`: every output pixel's `dy` goes back to the
 * input pixel it was copied from, `dx[b, src(r), src(c)] += dy[b, r, c]`.
 *
 * It replaces tfjs's own, because tfjs-backend-cpu's `ResizeNearestNeighborGrad` (4.22) reads `dy`
 * at the input's batch stride, so every image after the first gets another image's gradient
 * (and it ignores `halfPixelCenters`). An FPN's top-down path upsamples this way, so this is
 * every FPN gradient at batch > 1. Built from ops, it runs on every backend: an integer scale
 * factor (the FPN case) is a block sum; any other ratio sums rows, then columns, into their
 * sources with `unsortedSegmentSum`.
 */
export const resizeNearestNeighborGradient: tf.GradConfig = {
  kernelName: tf.ResizeNearestNeighbor,
  inputsToSave: ['images'],
  gradFunc: (dy, saved, attrs) => {
    const [images] = saved as [tf.Tensor4D];
    const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeNearestNeighborAttrs;
    return {
      images: () =>
        nearestNeighborInputGradient(dy as tf.Tensor4D, images.shape, {
          alignCorners,
          halfPixelCenters,
        }),
    };
  },
};

interface SamplingRule {
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

/** `dx` of shape `inputShape` for an upstream `dy`, by the forward's sampling rule. */
export function nearestNeighborInputGradient(
  dy: tf.Tensor4D,
  inputShape: readonly [number, number, number, number],
  rule: SamplingRule,
): tf.Tensor4D {
  const [batch, inHeight, inWidth, channels] = inputShape;
  const [, outHeight, outWidth] = dy.shape;
  const rows = nearestSources(inHeight, outHeight, rule);
  const columns = nearestSources(inWidth, outWidth, rule);
  return tf.tidy(() => {
    const rowFactor = blockFactor(rows, inHeight);
    const columnFactor = blockFactor(columns, inWidth);
    if (rowFactor !== undefined && columnFactor !== undefined) {
      return tf.sum(
        tf.reshape(dy, [batch, inHeight, rowFactor, inWidth, columnFactor, channels]),
        [2, 4],
      ) as tf.Tensor4D;
    }
    const byRow = tf.unsortedSegmentSum(
      tf.transpose(dy, [1, 0, 2, 3]),
      tf.tensor1d(rows, 'int32'),
      inHeight,
    ); // [inHeight, batch, outWidth, channels]
    const byColumn = tf.unsortedSegmentSum(
      tf.transpose(byRow, [2, 1, 0, 3]),
      tf.tensor1d(columns, 'int32'),
      inWidth,
    ); // [inWidth, batch, inHeight, channels]
    return tf.transpose(byColumn, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** The input index each output index copies, as tfjs-backend-cpu's forward kernel picks it. */
export function nearestSources(inSize: number, outSize: number, rule: SamplingRule): Int32Array {
  const aligned = rule.alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const sources = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const exact = rule.halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    const nearest = Math.min(inSize - 1, rule.alignCorners ? Math.round(exact) : Math.floor(exact));
    sources[i] = rule.halfPixelCenters ? Math.max(0, nearest) : nearest;
  }
  return sources;
}

/** `k` when output index `i` copies input `⌊i / k⌋` for every `i` (a block of `k` per input). */
function blockFactor(sources: Int32Array, inSize: number): number | undefined {
  if (sources.length % inSize !== 0) return undefined;
  const factor = sources.length / inSize;
  for (let i = 0; i < sources.length; i++) {
    if (sources[i] !== Math.floor(i / factor)) return undefined;
  }
  return factor;
}
