import { SsdetError } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';
import { levelForBoxes } from './level-mapper.js';
import { poolRois, type PlannedRoi } from './pool-rois.js';
import { roiWeights } from './roi-axis-weights.js';
import { batchIndexOf, pooledSize, roiGeometry, type RoiAlignOptions } from './roi-align.js';
import { toRoiTable, type RoiBoxes } from './roi-boxes.js';

/** One pyramid level: NHWC features and their stride (a power of two) relative to the image. */
export interface PyramidLevel {
  readonly features: tf.Tensor4D;
  readonly stride: number;
}

export interface MultiScaleRoiAlignOptions extends Omit<RoiAlignOptions, 'spatialScale'> {
  /** FPN rule parameters (see {@link levelForBoxes}); defaults 224 and 4. */
  readonly canonicalScale?: number;
  readonly canonicalLevel?: number;
  /**
   * The pyramid level (`log2(stride)`, e.g. 2 for P2) to pool each RoI from, overriding the
   * FPN rule — e.g. from {@link socoLevelForBoxes} (index + 2).
   */
  readonly levels?: Int32Array | readonly number[];
}

/**
 * torchvision's `MultiScaleRoIAlign` on NHWC pyramids: each RoI is assigned a level with
 * {@link levelForBoxes} (levels `log2(stride)` of the first and last map bound the clamp) and
 * pooled from that level with `spatialScale = 1 / stride` (differentiable, like {@link roiAlign}).
 * torchvision uses `aligned=False` inside `MultiScaleRoIAlign`; pass `aligned: false` to match.
 *
 * @param levels finest first, strides doubling (e.g. P2–P5 with strides 4, 8, 16, 32), equal channels.
 * @returns `[R, outH, outW, C]` in the order of `boxes`.
 */
export function multiScaleRoiAlign(
  levels: readonly PyramidLevel[],
  boxes: RoiBoxes,
  options: MultiScaleRoiAlignOptions,
): tf.Tensor4D {
  if (levels.length === 0)
    throw new SsdetError('ROI_ALIGN_OPTIONS', 'multiScaleRoiAlign needs at least one feature map.');
  const [pooledHeight, pooledWidth] = pooledSize(options.outputSize);
  const first = levels[0]!;
  const [batchSize, , , channels] = first.features.shape;
  const levelNumbers = levels.map(({ stride, features }, i) => {
    const level = Math.log2(stride);
    if (!Number.isInteger(level))
      throw new SsdetError(
        'ROI_ALIGN_OPTIONS',
        `Feature map ${i} has stride ${stride}; strides must be powers of two.`,
      );
    if (features.shape[0] !== batchSize || features.shape[3] !== channels) {
      throw new SsdetError(
        'ROI_ALIGN_OPTIONS',
        `Feature map ${i} is [${features.shape.join(', ')}]; every level needs batch ${batchSize} and ${channels} channels.`,
      );
    }
    return level;
  });
  levelNumbers.forEach((level, i) => {
    if (i > 0 && level !== levelNumbers[i - 1]! + 1) {
      throw new SsdetError(
        'ROI_ALIGN_OPTIONS',
        `Strides must double from one map to the next; got ${levels.map((l) => l.stride).join(', ')}.`,
      );
    }
  });
  const minLevel = levelNumbers[0]!;
  const maxLevel = levelNumbers[levelNumbers.length - 1]!;

  const rois = toRoiTable(boxes);
  const roiCount = rois.length / 5;
  const assigned =
    options.levels ??
    levelForBoxes(
      Float32Array.from(
        { length: roiCount * 4 },
        (_, i) => rois[Math.floor(i / 4) * 5 + 1 + (i % 4)]!,
      ),
      {
        minLevel,
        maxLevel,
        canonicalScale: options.canonicalScale ?? 224,
        canonicalLevel: options.canonicalLevel ?? 4,
      },
    );
  if (assigned.length !== roiCount) {
    throw new SsdetError(
      'ROI_ALIGN_OPTIONS',
      `levels has ${assigned.length} entries for ${roiCount} RoIs.`,
    );
  }

  const geometry = roiGeometry(options, pooledHeight, pooledWidth);
  const planned: PlannedRoi[] = [];
  for (let r = 0; r < roiCount; r++) {
    const level = assigned[r]!;
    const index = level - minLevel;
    if (!Number.isInteger(level) || index < 0 || index >= levels.length) {
      throw new SsdetError(
        'ROI_ALIGN_OPTIONS',
        `RoI ${r} is assigned level ${level}; available levels are ${minLevel}…${maxLevel}.`,
      );
    }
    const { features, stride } = levels[index]!;
    const map = { height: features.shape[1], width: features.shape[2], spatialScale: 1 / stride };
    const batch = batchIndexOf(rois, r, batchSize);
    const weights = roiWeights(
      rois[r * 5 + 1]!,
      rois[r * 5 + 2]!,
      rois[r * 5 + 3]!,
      rois[r * 5 + 4]!,
      map,
      geometry,
    );
    planned.push({ level: index, batch, ...weights });
  }
  return poolRois(
    levels.map(({ features }) => features),
    planned,
    pooledHeight,
    pooledWidth,
  );
}
