import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** One view's boxes of a pair, per image: `[B·K]` proposal ids (−1 = padding) and level indices (−1 = none). */
export interface PairSide {
  readonly ids: Int32Array;
  readonly levels: Int32Array;
}

/**
 * SoCo's same-proposal matching matrix C of a view pair (official `assign_bboxs_to_feature_map` +
 * `get_aware_correspondence_matrix`). With `levelCount` L (every-level pooling) the embeddings of
 * an image are `[L·K]`, level-major (index `l·K + i`: box i pooled from level l), and
 *
 *     C[b, l·K + i, m·K + j] = 1  iff  level_a(i) = l, level_b(j) = m, id_a(i) = id_b(j) ≥ 0,
 *
 * so each box is compared through its own level only (levels may differ between views: that is
 * SoCo's scale-aware assignment). Without `levelCount` (assigned-level pooling) the embeddings are
 * `[K]` and `C[b, i, j] = 1` iff both boxes have a level and the same id. Boxes without a level
 * (larger than the last threshold) and padding slots match nothing.
 *
 * @returns `[B, M, M]` float32.
 */
export function sameProposalMatrix(
  a: PairSide,
  b: PairSide,
  batchSize: number,
  levelCount?: number,
): tf.Tensor3D {
  const total = a.ids.length;
  if (
    b.ids.length !== total ||
    a.levels.length !== total ||
    b.levels.length !== total ||
    total % batchSize !== 0
  ) {
    throw new SsdetError(
      'SOCO_BAD_PAIR',
      `A SoCo view pair needs the same number of boxes on both sides (B·K); got ${a.ids.length} and ${b.ids.length} for a batch of ${batchSize}.`,
    );
  }
  const k = total / batchSize;
  const slots = levelCount ?? 1;
  const m = slots * k;
  const matrix = new Float32Array(batchSize * m * m);
  const row = (side: PairSide, at: number): number => {
    const level = side.levels[at]!;
    if (side.ids[at]! < 0 || level < 0) return -1;
    return levelCount === undefined ? 0 : level;
  };
  for (let image = 0; image < batchSize; image++) {
    for (let i = 0; i < k; i++) {
      const at = image * k + i;
      const li = row(a, at);
      if (li < 0) continue;
      for (let j = 0; j < k; j++) {
        const bt = image * k + j;
        const lj = row(b, bt);
        if (lj < 0 || a.ids[at] !== b.ids[bt]) continue;
        matrix[image * m * m + (li * k + i) * m + (lj * k + j)] = 1;
      }
    }
  }
  return tf.tensor3d(matrix, [batchSize, m, m]);
}
