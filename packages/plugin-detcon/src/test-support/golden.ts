import { readReferenceJson, type StoredArray } from '@ssdet/test-support';

/** An integer array as the reference script stores it. */
export interface StoredInts {
  readonly shape: number[];
  readonly data: number[];
}

export interface LossCase {
  readonly name: string;
  readonly variant: 'b' | 's';
  readonly temperature: number;
  /** `[B, K]` mask ids of view 1 and view 2. */
  readonly ids1: StoredInts;
  readonly ids2: StoredInts;
  /** B: pred1, pred2, target1, target2; S: z1, z2 — each `[B, K, D]`. */
  readonly inputs: Record<string, StoredArray>;
  readonly loss: number;
  /** B: d loss / d pred1, pred2; S: d loss / d z1, z2. */
  readonly grads: Record<string, StoredArray>;
}

export interface DetconGolden {
  readonly maxMaskId: number;
  readonly cell: number;
  /** Label masks `[B, H, W]` and the official `create_binary_mask` grid ids `[B, cells]`. */
  readonly grids: readonly { name: string; masks: StoredInts; grid: StoredInts }[];
  readonly pooling: {
    /** `[B, h, w, C]` NHWC. */
    readonly features: StoredArray;
    /** `[B, h·w]` grid ids. */
    readonly grid: StoredInts;
    /** `[B, K]` sampled ids (one absent from its grid). */
    readonly ids: StoredInts;
    readonly pooled: StoredArray;
    readonly cotangent: StoredArray;
    readonly gradFeatures: StoredArray;
  };
  readonly losses: readonly LossCase[];
}

/** tools/reference/fixtures/detcon/detcon_golden.json, by tools/reference/detcon/make_detcon_golden.py. */
export function readDetconGolden(): DetconGolden {
  return readReferenceJson<DetconGolden>('detcon', 'detcon_golden.json');
}

/** Rows of a `[B, K]` stored integer array. */
export function rowsOf(stored: StoredInts): Int32Array[] {
  const [b, k] = stored.shape as [number, number];
  return Array.from({ length: b }, (_, i) =>
    Int32Array.from(stored.data.slice(i * k, (i + 1) * k)),
  );
}
