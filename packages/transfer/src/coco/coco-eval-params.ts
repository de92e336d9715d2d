import type { IouType } from './coco-format.js';

/** numpy's `linspace(start, stop, num)`: `start + i·step`, the last value exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/** What COCOeval evaluates, with pycocotools' defaults for bbox and segm. */
export interface CocoEvalParams {
  readonly iouType: IouType;
  /** 0.50:0.05:0.95, as `np.linspace(.5, 0.95, 10)`. */
  readonly iouThresholds: readonly number[];
  /** 0:0.01:1, as `np.linspace(.0, 1.00, 101)`. */
  readonly recallThresholds: readonly number[];
  /** Detections kept per image and category: [1, 10, 100]. */
  readonly maxDets: readonly number[];
  /** all, small (< 32²), medium (32²–96²), large (> 96²), on the annotations' `area`. */
  readonly areaRanges: readonly (readonly [number, number])[];
  readonly areaLabels: readonly string[];
}

export function defaultCocoEvalParams(
  iouType: IouType,
  overrides: { readonly maxDets?: readonly number[] } = {},
): CocoEvalParams {
  return {
    iouType,
    iouThresholds: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recallThresholds: linspace(0, 1, Math.round((1 - 0) / 0.01) + 1),
    maxDets: [...(overrides.maxDets ?? [1, 10, 100])].sort((a, b) => a - b),
    areaRanges: [
      [0, 1e5 ** 2],
      [0, 32 ** 2],
      [32 ** 2, 96 ** 2],
      [96 ** 2, 1e5 ** 2],
    ],
    areaLabels: ['all', 'small', 'medium', 'large'],
  };
}
