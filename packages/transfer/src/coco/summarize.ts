import type { AccumulatedEvaluation } from './accumulate.js';
import type { CocoEvalParams } from './coco-eval-params.js';

/** The 12 numbers of `COCOeval.summarize()`, in its order. */
export const COCO_STAT_NAMES = [
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
] as const;

/** Mean of the entries > −1, or −1 when there are none (pycocotools' `mean(s[s > -1])`). */
function meanOfValid(values: Iterable<number>): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (value > -1) {
      sum += value;
      count++;
    }
  }
  return count === 0 ? -1 : sum / count;
}

/**
 * pycocotools' `_summarize(ap, iouThr, areaRng, maxDets)` for bbox and segm: AP averages precision
 * over IoU thresholds (or one), recall thresholds and categories; AR averages recall.
 */
function summarizeOne(
  accumulated: AccumulatedEvaluation,
  params: CocoEvalParams,
  ap: boolean,
  iouThreshold: number | undefined,
  areaLabel: string,
  maxDets: number,
): number {
  const { T, R, K, A, M } = accumulated.shape;
  const a = params.areaLabels.indexOf(areaLabel);
  const m = params.maxDets.indexOf(maxDets);
  if (a < 0 || m < 0) return -1;
  const thresholds =
    iouThreshold === undefined
      ? Array.from({ length: T }, (_, t) => t)
      : params.iouThresholds.flatMap((value, t) => (value === iouThreshold ? [t] : []));
  const values: number[] = [];
  for (const t of thresholds) {
    if (ap) {
      for (let r = 0; r < R; r++)
        for (let k = 0; k < K; k++)
          values.push(accumulated.precision[(((t * R + r) * K + k) * A + a) * M + m]!);
    } else {
      for (let k = 0; k < K; k++) values.push(accumulated.recall[((t * K + k) * A + a) * M + m]!);
    }
  }
  return meanOfValid(values);
}

/** `COCOeval.stats` for bbox and segm (maxDets `[1, 10, 100]` as in pycocotools' defaults). */
export function summarize(accumulated: AccumulatedEvaluation, params: CocoEvalParams): number[] {
  const [m0, m1, m2] = [params.maxDets[0]!, params.maxDets[1]!, params.maxDets[2]!];
  const s = (ap: boolean, iou: number | undefined, area: string, maxDets: number) =>
    summarizeOne(accumulated, params, ap, iou, area, maxDets);
  return [
    // pycocotools' first number is `_summarize(1)`, whose maxDets default is 100 whatever the params.
    s(true, undefined, 'all', 100),
    s(true, 0.5, 'all', m2),
    s(true, 0.75, 'all', m2),
    s(true, undefined, 'small', m2),
    s(true, undefined, 'medium', m2),
    s(true, undefined, 'large', m2),
    s(false, undefined, 'all', m0),
    s(false, undefined, 'all', m1),
    s(false, undefined, 'all', m2),
    s(false, undefined, 'small', m2),
    s(false, undefined, 'medium', m2),
    s(false, undefined, 'large', m2),
  ];
}

/**
 * AP per category: precision averaged over IoU and recall thresholds for area "all" and the
 * largest maxDets (detectron2's per-category AP), −1 for a category without ground truth.
 */
export function perCategoryAp(
  accumulated: AccumulatedEvaluation,
  params: CocoEvalParams,
  categoryIds: readonly number[],
): Record<string, number> {
  const { T, R, K, A, M } = accumulated.shape;
  const m = M - 1;
  const result: Record<string, number> = {};
  for (let k = 0; k < K; k++) {
    const values: number[] = [];
    for (let t = 0; t < T; t++)
      for (let r = 0; r < R; r++)
        values.push(accumulated.precision[(((t * R + r) * K + k) * A + 0) * M + m]!);
    result[String(categoryIds[k])] = meanOfValid(values);
  }
  return result;
}
