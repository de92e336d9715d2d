import * as tf from '@tensorflow/tfjs-core';
import { SsdetError, selectBackend, type BatchedView, type ViewGeometry } from '@ssdet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tidyObject } from '../tensor/tidy-object.js';
import { normalizedBoxTargets } from './normalized-box-targets.js';
import { paddedBatchMask } from './padded-batch-mask.js';

const source = { code: 'TEST_BATCH', method: 'Test' };

function geometry(width: number, height: number): ViewGeometry {
  return { sourceBox: [0, 0, width, height], flipped: false, width, height };
}

/** Two images, 4 × 3 and 2 × 5, on a 6 × 6 canvas. */
function view(canvas = 6): BatchedView {
  return {
    images: tf.zeros([2, canvas, canvas, 3]) as tf.Tensor4D,
    geometry: [geometry(4, 3), geometry(2, 5)],
    boxes: tf.tensor3d([
      [
        [0, 0, 2, 3],
        [9, 9, 9, 9],
        [1, 1, 4, 2],
      ],
      [
        [0, 1, 2, 5],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    ]),
    boxIds: tf.tensor2d(
      [
        [3, -1, 0],
        [7, -1, -1],
      ],
      undefined,
      'int32',
    ),
  };
}

let batch: BatchedView;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  batch = view();
});

afterAll(() => {
  tf.dispose([batch.images, batch.boxes!, batch.boxIds!]);
});

describe('paddedBatchMask', () => {
  it("pads to the batch's largest height and width and marks each image's top-left pixels", () => {
    const { sizes, pixelMask, height, width } = paddedBatchMask(batch, source);
    expect(sizes).toEqual([
      { width: 4, height: 3 },
      { width: 2, height: 5 },
    ]);
    expect([height, width]).toEqual([5, 4]);
    const rows = (b: number) =>
      Array.from({ length: height }, (_, y) =>
        Array.from(pixelMask.subarray((b * height + y) * width, (b * height + y + 1) * width)),
      );
    expect(rows(0)).toEqual([
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(rows(1)).toEqual(Array.from({ length: 5 }, () => [1, 1, 0, 0]));
  });

  it('names the method when an image is larger than its canvas', () => {
    const small = view(4);
    try {
      expect(() => paddedBatchMask(small, source)).toThrow(SsdetError);
      expect(() => paddedBatchMask(small, source)).toThrow(
        'Test: an image of 4 × 5 does not fit its 4 × 4 canvas.',
      );
    } finally {
      tf.dispose([small.images, small.boxes!, small.boxIds!]);
    }
  });
});

describe('normalizedBoxTargets', () => {
  it('drops the −1 padding and divides cxcywh by each image’s own size, keeping box order and ids', () => {
    const targets = normalizedBoxTargets(
      batch.boxes!,
      batch.boxIds!,
      paddedBatchMask(batch, source).sizes,
    );
    expect(targets).toHaveLength(2);
    expect(Array.from(targets[0]!.ids)).toEqual([3, 0]);
    expect(Array.from(targets[0]!.boxes)).toEqual(
      Array.from(Float32Array.from([1 / 4, 1.5 / 3, 2 / 4, 3 / 3, 2.5 / 4, 1.5 / 3, 3 / 4, 1 / 3])),
    );
    expect(Array.from(targets[1]!.ids)).toEqual([7]);
    expect(Array.from(targets[1]!.boxes)).toEqual(
      Array.from(Float32Array.from([1 / 2, 3 / 5, 2 / 2, 4 / 5])),
    );
  });
});

describe('tidyObject', () => {
  it('keeps the tensors of a nested result and disposes the intermediates', () => {
    const before = tf.memory().numTensors;
    const out = tidyObject(() => {
      const a = tf.ones([2]);
      const doubled = tf.mul(a, 2);
      return { nested: { doubled }, list: [tf.add(doubled, 1)] };
    });
    expect(tf.memory().numTensors - before).toBe(2);
    expect(Array.from(out.nested.doubled.dataSync())).toEqual([2, 2]);
    expect(Array.from(out.list[0]!.dataSync())).toEqual([3, 3]);
    tf.dispose([out.nested.doubled, out.list[0]!]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
