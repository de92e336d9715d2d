import { SINGLE_PROCESS, type ProcessGroup } from '@ssdet/core';

/**
 * The N that DETR's box losses are divided by: the number of target boxes in this process's
 * batch averaged over the ranks of `group`, at least 1 — the official `SetCriterion.forward`
 * sums `num_boxes` over the processes (`torch.distributed.all_reduce`) and divides by the world
 * size before clamping. Every rank then normalises by the same N, so the mean-allreduced
 * gradients do not depend on how the boxes fall between ranks. One process: `max(1, local)`.
 *
 * A collective when `group.size > 1`: every rank must call it at the same point of its step.
 */
export function globalBoxCount(local: number, group: ProcessGroup = SINGLE_PROCESS): number {
  if (group.size <= 1) return Math.max(1, local);
  const count = Float32Array.of(local);
  group.allreduce([count], 'sum');
  return Math.max(1, count[0]! / group.size);
}
