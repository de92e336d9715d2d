import { readReferenceJson, type StoredArray } from '@ssdet/test-support';

/** An integer array as the reference script stores it. */
export interface StoredInts {
  readonly shape: number[];
  readonly data: number[];
}

export interface PointCase {
  readonly queries: StoredArray;
  readonly keys: StoredArray;
  readonly loss: number;
  readonly gradQueries: StoredArray;
  readonly gradKeys: StoredArray;
  readonly temperature: number;
  readonly baseTemperature: number;
}

interface ImageOutcome {
  readonly loss: number;
  readonly gradQueries: StoredArray;
  readonly queueAfter: StoredArray;
  readonly pointerAfter: number;
}

export interface ImageCase {
  readonly queries: StoredArray;
  readonly keys: StoredArray;
  readonly queue: StoredArray;
  readonly pointer: number;
  readonly temperature: number;
  readonly official: ImageOutcome;
  readonly paper: ImageOutcome;
}

export interface DistillationCase {
  readonly epoch: number;
  readonly teacherTemperature: number;
  readonly student: StoredArray;
  readonly teacher: StoredArray;
  readonly center: StoredArray;
  readonly loss: number;
  readonly gradStudent: StoredArray;
  readonly centerAfter: StoredArray;
}

export interface OverlapCase {
  readonly size: number;
  readonly coordQuery: StoredArray;
  readonly coordKey: StoredArray;
  /** `[M, 3]` (image, query pixel, key pixel). */
  readonly pairs: StoredInts;
}

export interface PipelineCase {
  readonly epoch: number;
  readonly transposed: boolean;
  readonly size: number;
  readonly keep: number;
  /** Maps NHWC; points `[B, R, P, 2]` (row, column); coordinates `[B, 4]`; centre `[1, S² + K]`. */
  readonly inputs: Record<string, StoredArray>;
  readonly pairs: StoredInts;
  readonly queryPoints: StoredArray;
  readonly keyPoints: StoredArray;
  readonly losses: {
    readonly distillation: {
      loss: number;
      grad: Record<string, StoredArray>;
      centerAfter: StoredArray;
    };
    readonly point: { loss: number; grad: Record<string, StoredArray> };
  };
}

export interface HeadCase {
  readonly l1: boolean;
  /** The official `ProjHead.state_dict()` (PyTorch layouts). */
  readonly weights: Record<string, StoredArray>;
  readonly input: StoredArray;
  readonly bottleneck: StoredArray;
  readonly logits: StoredArray;
  readonly cotangent: StoredArray;
  readonly gradInput: StoredArray;
  /** PyTorch layout `[out, in]`. */
  readonly gradWeightV: StoredArray;
  readonly runningMean1: StoredArray;
  readonly runningVar4: StoredArray;
}

export interface PlrcGolden {
  readonly point: readonly PointCase[];
  readonly image: readonly ImageCase[];
  readonly distillation: readonly DistillationCase[];
  readonly overlap: readonly OverlapCase[];
  readonly pipeline: readonly PipelineCase[];
  readonly head: readonly HeadCase[];
}

/** tools/reference/fixtures/plrc/plrc_golden.json, by tools/reference/plrc/make_plrc_golden.py. */
export function readPlrcGolden(): PlrcGolden {
  return readReferenceJson<PlrcGolden>('plrc', 'plrc_golden.json');
}

/** Row `i` of a `[N, 4]` stored array. */
export function rowOf(stored: StoredArray, i: number): number[] {
  const width = stored.shape[1]!;
  return stored.data.slice(i * width, (i + 1) * width);
}

/** Per image, the (row, column) points of region 0 of a `[B, R, P, 2]` stored array. */
export function regionZeroPoints(stored: StoredInts): Int32Array {
  const [b, r, p] = stored.shape as [number, number, number];
  const out = new Int32Array(b * p * 2);
  for (let i = 0; i < b; i++)
    out.set(stored.data.slice(i * r * p * 2, i * r * p * 2 + p * 2), i * p * 2);
  return out;
}
