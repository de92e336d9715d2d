import { SsdetError } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { poolRois, type PlannedRoi } from './pool-rois.js';
import { roiWeights, type RoiAlignGeometry } from './roi-axis-weights.js';
import { toRoiTable, type RoiBoxes } from './roi-boxes.js';

export interface RoiAlignOptions {
  /** Output bins per RoI: `n` for `n × n`, or `[height, width]`. */
  readonly outputSize: number | readonly [number, number];
  /** Multiplies box coordinates onto the feature map, e.g. `1 / stride`. Default 1. */
  readonly spatialScale?: number;
  /** Samples per bin side; `≤ 0` = adaptive `ceil(roiSize / outputSize)`. Default −1 (torchvision's). */
  readonly samplingRatio?: number;
  /**
   * Shift boxes by −½ pixel so that pixel centres sit at integer + ½ (Detectron2's
   * `ROIAlignV2`, torchvision's `aligned=True`). Default `true` here; torchvision's default is
   * `false` (the legacy behaviour, which also stretches RoIs to at least 1×1).
   */
  readonly aligned?: boolean;
}

export function pooledSize(outputSize: RoiAlignOptions['outputSize']): [number, number] {
  const [height, width] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new SsdetError(
      'ROI_ALIGN_OPTIONS',
      `outputSize must be positive integers; got ${String(outputSize)}.`,
    );
  }
  return [height, width];
}

/** Checks a RoI's batch index and returns it as an integer. */
export function batchIndexOf(rois: Float32Array, r: number, batchSize: number): number {
  const batch = rois[r * 5]!;
  if (!Number.isInteger(batch) || batch < 0 || batch >= batchSize) {
    throw new SsdetError(
      'ROI_BOXES_INVALID',
      `RoI ${r} has batch index ${batch}; expected an integer in [0, ${batchSize - 1}] for a batch of ${batchSize}.`,
    );
  }
  return batch;
}

/**
 * RoIAlign (He et al., "Mask R-CNN", ICCV 2017) with torchvision's `ops.roi_align` semantics
 * on NHWC features: each RoI is cut into `outputSize` bins and each bin is the mean of bilinear
 * samples on a regular grid (see `roiWeights` for the exact rules, which follow torchvision's
 * kernel, borders included), computed as two matrix products per image (see `poolRois`).
 *
 * Differentiable with respect to `features` (not the boxes, like torchvision). Box
 * coordinates are read synchronously to build the sampling plan.
 *
 * @param features `[B, H, W, C]`.
 * @param boxes `[R, 5]` (batch index, x1, y1, x2, y2) or one `[L_i, 4]` list per image.
 * @returns `[R, outH, outW, C]`, in the order of `boxes`.
 */
export function roiAlign(
  features: tf.Tensor4D,
  boxes: RoiBoxes,
  options: RoiAlignOptions,
): tf.Tensor4D {
  const [pooledHeight, pooledWidth] = pooledSize(options.outputSize);
  const [batchSize, height, width] = features.shape;
  const rois = toRoiTable(boxes);
  const roiCount = rois.length / 5;
  const map = { height, width, spatialScale: options.spatialScale ?? 1 };
  const geometry = roiGeometry(options, pooledHeight, pooledWidth);
  const planned: PlannedRoi[] = [];
  for (let r = 0; r < roiCount; r++) {
    const batch = batchIndexOf(rois, r, batchSize);
    const weights = roiWeights(
      rois[r * 5 + 1]!,
      rois[r * 5 + 2]!,
      rois[r * 5 + 3]!,
      rois[r * 5 + 4]!,
      map,
      geometry,
    );
    planned.push({ level: 0, batch, ...weights });
  }
  return poolRois([features], planned, pooledHeight, pooledWidth);
}

export function roiGeometry(
  options: Pick<RoiAlignOptions, 'samplingRatio' | 'aligned'>,
  pooledHeight: number,
  pooledWidth: number,
): RoiAlignGeometry {
  return {
    pooledHeight,
    pooledWidth,
    samplingRatio: options.samplingRatio ?? -1,
    aligned: options.aligned ?? true,
  };
}
