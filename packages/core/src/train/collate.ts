import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchedView } from '../contracts/batch.js';
import type { View } from '../contracts/view.js';
import { SsdetError } from '../errors/ssdet-error.js';
import type { HostBatch } from '../contracts/host-batch.js';

/**
 * Host views → tensors: per view name, `[B, H, W, 3]` images; boxes padded to the batch's largest
 * count as `[B, K, 4]` with ids `[B, K]` (−1 marks padding); masks `[B, H, W]`. Every sample's
 * copy of a view must have the same size (multi-scale DETR batches are padded by their plugin).
 */
export function collate(host: HostBatch, viewNames: readonly string[]): Batch {
  const views: Record<string, BatchedView> = {};
  viewNames.forEach((name, v) => {
    const copies = host.views.map((sampleViews) => sampleViews[v]!);
    views[name] = collateView(name, copies);
  });
  return { size: host.records.length, records: host.records, views };
}

function collateView(name: string, copies: readonly View[]): BatchedView {
  const first = copies[0]!;
  for (const copy of copies) {
    if (copy.width !== first.width || copy.height !== first.height) {
      throw new SsdetError(
        'COLLATE_SHAPES',
        `View "${name}" has different sizes within a batch (${first.width}×${first.height} and ${copy.width}×${copy.height}).`,
      );
    }
  }
  const pixels = new Float32Array(copies.length * first.pixels.length);
  copies.forEach((copy, i) => pixels.set(copy.pixels, i * first.pixels.length));
  const images = tf.tensor4d(pixels, [copies.length, first.height, first.width, 3]);
  const geometry = copies.map((copy) => copy.geometry);
  const result: { -readonly [K in keyof BatchedView]: BatchedView[K] } = { images, geometry };
  if (copies.some((copy) => copy.boxes !== undefined)) {
    const maxBoxes = Math.max(1, ...copies.map((copy) => (copy.boxes?.length ?? 0) / 4));
    const boxes = new Float32Array(copies.length * maxBoxes * 4);
    const ids = new Int32Array(copies.length * maxBoxes).fill(-1);
    copies.forEach((copy, i) => {
      if (copy.boxes === undefined) return;
      boxes.set(copy.boxes, i * maxBoxes * 4);
      ids.set(
        copy.boxIds ?? Int32Array.from({ length: copy.boxes.length / 4 }, (_, k) => k),
        i * maxBoxes,
      );
    });
    result.boxes = tf.tensor3d(boxes, [copies.length, maxBoxes, 4]);
    result.boxIds = tf.tensor2d(ids, [copies.length, maxBoxes], 'int32');
  }
  if (copies.every((copy) => copy.mask !== undefined)) {
    const masks = new Int32Array(copies.length * first.width * first.height);
    copies.forEach((copy, i) => masks.set(copy.mask!.labels, i * first.width * first.height));
    result.masks = tf.tensor3d(masks, [copies.length, first.height, first.width], 'int32');
  }
  return result;
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: Batch): void {
  for (const view of Object.values(batch.views)) {
    const tensors: (tf.Tensor | undefined)[] = [
      view.images,
      view.boxes,
      view.boxIds,
      view.masks,
      view.pixelMask,
    ];
    tf.dispose(tensors.filter((tensor): tensor is tf.Tensor => tensor !== undefined));
  }
}
