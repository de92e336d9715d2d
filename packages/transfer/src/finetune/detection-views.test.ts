import { collate, disposeBatch, Rng, type Sample } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cropToBatchExtent, DETECTION_VIEW, DetectionViews } from './detection-views.js';

function sample(id: number, width: number, height: number): Sample {
  const data = new Uint8Array(width * height * 3).fill(200);
  return {
    record: { id: String(id), path: `${id}.png` },
    image: { width, height, pixels: data },
    annotations: {
      boxes: Float32Array.from([1, 1, width - 1, height - 1]),
      categories: Int32Array.from([1]),
      instanceMask: { width, height, labels: new Int32Array(width * height).fill(1) },
    },
  };
}

describe('cropToBatchExtent: a batch padded to its largest image, not the maxSize canvas', () => {
  it('cuts images and masks to the largest height and width, rounded up to 32', () => {
    const views = new DetectionViews({
      shorterSides: [40],
      maxSize: 200,
      flip: false,
      masks: true,
    });
    const rng = Rng.fromSeed(0);
    // 40 × 60 and 40 × 90 images at shorter side 40: the batch needs 64 × 96, not 224 × 224.
    const samples = [sample(1, 60, 40), sample(2, 40, 90)];
    const host = {
      epoch: 0,
      index: 0,
      cursor: 0,
      records: samples.map((s) => s.record),
      views: samples.map((s) => views.generate(s, undefined, rng)),
    };
    const batch = collate(host, views.viewNames);
    const view = batch.views[DETECTION_VIEW]!;
    expect(view.images.shape).toEqual([2, 224, 224, 3]);
    const before = tf.memory().numTensors;
    const { images, masks } = cropToBatchExtent(view);
    expect(images.shape).toEqual([2, 96, 64, 3]);
    expect(masks?.shape).toEqual([2, 96, 64]);
    // The content is the canvas's top-left corner, untouched.
    const full = view.images.slice([0, 0, 0, 0], [-1, 96, 64, -1]);
    expect(Array.from(images.dataSync())).toEqual(Array.from(full.dataSync()));
    const labels = masks!.arraySync();
    expect(labels[0]![39]![59]).toBe(1);
    expect(labels[0]![40]![0]).toBe(0);
    expect(labels[1]![89]![39]).toBe(1);
    tf.dispose([full, images, masks!]);
    expect(tf.memory().numTensors).toBe(before);
    disposeBatch(batch);
  });

  it('never exceeds the canvas', () => {
    const views = new DetectionViews({ shorterSides: [50], maxSize: 50, flip: false });
    const host = {
      epoch: 0,
      index: 0,
      cursor: 0,
      records: [sample(1, 50, 50).record],
      views: [views.generate(sample(1, 50, 50), undefined, Rng.fromSeed(0))],
    };
    const batch = collate(host, views.viewNames);
    const { images, masks } = cropToBatchExtent(batch.views[DETECTION_VIEW]!);
    // 50 rounds up to 64 but the canvas (50 → 64) is the bound either way.
    expect(images.shape).toEqual([1, 64, 64, 3]);
    expect(masks).toBeUndefined();
    images.dispose();
    disposeBatch(batch);
  });
});
