import type { CocoEvalParams } from './coco-eval-params.js';
import { stableArgsort, type ImageEvaluation } from './evaluate-image.js';

/** pycocotools' `COCOeval.eval`: −1 where a cell has no ground truth to recall. */
export interface AccumulatedEvaluation {
  /** `[T, R, K, A, M]` interpolated precision at each recall threshold, flat (row-major). */
  readonly precision: Float64Array;
  /** `[T, K, A, M]` the recall reached, flat. */
  readonly recall: Float64Array;
  readonly shape: {
    readonly T: number;
    readonly R: number;
    readonly K: number;
    readonly A: number;
    readonly M: number;
  };
}

const EPSILON = 2.220446049250313e-16; // np.spacing(1)

/**
 * Precision/recall curves from the per-image evaluations, pycocotools' `COCOeval.accumulate`:
 * for every category, area range and maxDets, the detections of all images are ranked by score
 * (stable), cumulative true and false positives give recall and precision, precision is made
 * monotone from the right, and sampled at the recall thresholds (`searchsorted`, left).
 *
 * `evaluations[k][a][i]` is the record of category k, area range a, image i.
 */
export function accumulate(
  evaluations: readonly (readonly (readonly (ImageEvaluation | undefined)[])[])[],
  params: CocoEvalParams,
): AccumulatedEvaluation {
  const T = params.iouThresholds.length;
  const R = params.recallThresholds.length;
  const K = evaluations.length;
  const A = params.areaRanges.length;
  const M = params.maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const records = evaluations[k]![a]!.filter((e): e is ImageEvaluation => e !== undefined);
      if (records.length === 0) continue;
      // Ground truths that count (not crowd, inside the area range); without any, no curve.
      const positives = records.reduce(
        (sum, e) => sum + e.gtIgnore.reduce((n, flag) => n + (flag === 0 ? 1 : 0), 0),
        0,
      );
      if (positives === 0) continue;
      params.maxDets.forEach((maxDet, m) => {
        const scores = records.flatMap((e) => Array.from(e.dtScores.subarray(0, maxDet)));
        const order = stableArgsort(scores.map((s) => -s));
        for (let t = 0; t < T; t++) {
          const matched = records.flatMap((e) => Array.from(e.dtMatches[t]!.subarray(0, maxDet)));
          const ignored = records.flatMap((e) => Array.from(e.dtIgnore[t]!.subarray(0, maxDet)));
          const nd = order.length;
          const rc = new Float64Array(nd);
          const pr = new Float64Array(nd);
          let tp = 0;
          let fp = 0;
          order.forEach((index, j) => {
            if (ignored[index] === 0) {
              if (matched[index] !== 0) tp += 1;
              else fp += 1;
            }
            rc[j] = tp / positives;
            pr[j] = tp / (fp + tp + EPSILON);
          });
          recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1]! : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          // q[r] = pr[first index with rc ≥ recallThresholds[r]], 0 past the end.
          let pointer = 0;
          for (let r = 0; r < R; r++) {
            const threshold = params.recallThresholds[r]!;
            while (pointer < nd && rc[pointer]! < threshold) pointer++;
            const value = pointer < nd ? pr[pointer]! : 0;
            precision[(((t * R + r) * K + k) * A + a) * M + m] = value;
            // pycocotools stops filling at the first threshold beyond the last recall.
            if (pointer >= nd) {
              for (let rest = r + 1; rest < R; rest++)
                precision[(((t * R + rest) * K + k) * A + a) * M + m] = 0;
              break;
            }
          }
        }
      });
    }
  }
  return { precision, recall, shape: { T, R, K, A, M } };
}
