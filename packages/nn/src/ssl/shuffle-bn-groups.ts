/**
 * The Shuffle-BN group count for `batchSize` images: the largest number of groups, at most
 * `paperGroups` (MoCo's 8 GPUs), that splits the batch into equal groups of at least 2 images
 * (BatchNorm statistics of one image are no batch statistics). 256 → 8 as in the papers, 12 →
 * 6, 8 → 4, 4 → 2, and 1 (plain BatchNorm over the batch) when no such split exists (2, 3, 7).
 */
export function shuffleBnGroupsFor(batchSize: number, paperGroups = 8): number {
  for (let groups = Math.min(paperGroups, Math.floor(batchSize / 2)); groups > 1; groups--)
    if (batchSize % groups === 0) return groups;
  return 1;
}
