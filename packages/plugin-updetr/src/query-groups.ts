import { SsdetError } from '@ssdet/core';
import { blockDiagonalAttentionMask } from '@ssdet/detr';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Patch k of M feeds queries k·Q/M … (k+1)·Q/M − 1 (`repeat_interleave` in `UPDETR.forward`):
 * the index of the patch behind each of the Q queries.
 */
export function queryPatchIndex(numQueries: number, numPatches: number): Int32Array {
  checkGroups(numQueries, numPatches);
  const perPatch = numQueries / numPatches;
  return Int32Array.from({ length: numQueries }, (_, q) => Math.floor(q / perPatch));
}

/**
 * UP-DETR's decoder self-attention mask `[Q, Q]` (true = blocked): a query attends only to the
 * queries of its own patch group (paper §3.2 "attention mask"), so the M groups decode
 * independently. Built per group, for any Q/M.
 *
 * The official `UPDETR.__init__` loops `for i in range(query_per_patch)` and opens the block
 * `[i·Q/M, (i+1)·Q/M)` — right when Q/M = M (100 queries, 10 patches), but with Q/M < M (100
 * queries, 20 patches) the last M − Q/M groups keep all-blocked rows, which PyTorch turns into
 * NaN attention. See {@link officialQueryGroupMask}.
 */
export function queryGroupMask(numQueries: number, numPatches: number): tf.Tensor2D {
  checkGroups(numQueries, numPatches);
  return blockDiagonalAttentionMask(numQueries, numPatches);
}

/**
 * What the official loop builds, as a boolean `[Q, Q]` array (row-major, true = blocked), for
 * comparison in tests and the README: blocks are opened only for i < Q/M.
 */
export function officialQueryGroupMask(numQueries: number, numPatches: number): Uint8Array {
  checkGroups(numQueries, numPatches);
  const perPatch = numQueries / numPatches;
  const blocked = new Uint8Array(numQueries * numQueries).fill(1);
  for (let i = 0; i < perPatch; i++) {
    for (let r = i * perPatch; r < Math.min((i + 1) * perPatch, numQueries); r++) {
      for (let c = i * perPatch; c < Math.min((i + 1) * perPatch, numQueries); c++) {
        blocked[r * numQueries + c] = 0;
      }
    }
  }
  return blocked;
}

function checkGroups(numQueries: number, numPatches: number): void {
  if (
    !Number.isInteger(numQueries) ||
    !Number.isInteger(numPatches) ||
    numPatches < 1 ||
    numQueries % numPatches !== 0
  ) {
    throw new SsdetError(
      'UPDETR_QUERY_GROUPS',
      `UP-DETR: numQueries (${numQueries}) must be a positive multiple of numPatches (${numPatches}).`,
      { hint: 'e.g. numQueries 100 with numPatches 10 (the paper) or 20.' },
    );
  }
}
