import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { MemoryQueue } from './memory-queue.js';

useCpuBackend();

const rows = (queue: MemoryQueue): number[][] => queue.queue.arraySync();
const keys = (...ids: number[]): tf.Tensor2D => tf.tensor2d(ids.map((id) => [id, -id]));

describe('MemoryQueue', () => {
  it('starts with unit-norm random keys in non-trainable variables queue and queue_ptr', () => {
    const queue = new MemoryQueue({ size: 6, dim: 4, rng: Rng.fromSeed(1) });
    expect([...queue.variables().keys()]).toEqual(['queue', 'queue_ptr']);
    expect([...queue.variables().values()].every((v) => !v.trainable)).toBe(true);
    expect(queue.queue.shape).toEqual([6, 4]);
    expectValues(tf.norm(queue.queue, 2, 1), new Array<number>(6).fill(1), 1e-6);
    expect(queue.position).toBe(0);
    const again = new MemoryQueue({ size: 6, dim: 4, rng: Rng.fromSeed(1) });
    expect(rows(again)).toEqual(rows(queue));
  });

  it('writes batches at the pointer, oldest first, like MoCo’s _dequeue_and_enqueue', () => {
    const queue = new MemoryQueue({ size: 6, dim: 2, rng: Rng.fromSeed(2) });
    const initial = rows(queue);
    queue.enqueue(keys(1, 2));
    expect(queue.position).toBe(2);
    queue.enqueue(keys(3, 4));
    expect(rows(queue)).toEqual([[1, -1], [2, -2], [3, -3], [4, -4], initial[4], initial[5]]);
    queue.enqueue(keys(5, 6));
    expect(queue.position).toBe(0);
    queue.enqueue(keys(7, 8));
    expect(rows(queue).map((row) => row[0])).toEqual([7, 8, 3, 4, 5, 6]);
  });

  it('wraps a batch that crosses the end and keeps the last K keys of an oversized batch', () => {
    const queue = new MemoryQueue({ size: 5, dim: 2, rng: Rng.fromSeed(3) });
    queue.enqueue(keys(1, 2, 3, 4));
    queue.enqueue(keys(5, 6, 7)); // rows 4, 0, 1
    expect(rows(queue).map((row) => row[0])).toEqual([6, 7, 3, 4, 5]);
    expect(queue.position).toBe(2);
    // 7 keys from row 2 go to rows 2, 3, 4, 0, 1, 2, 3: 10 and 11 are overwritten by 15 and 16.
    queue.enqueue(keys(10, 11, 12, 13, 14, 15, 16));
    expect(rows(queue).map((row) => row[0])).toEqual([13, 14, 15, 16, 12]);
    expect(queue.position).toBe(4);
  });

  it('rejects keys of the wrong dimension', () => {
    const queue = new MemoryQueue({ size: 4, dim: 3, rng: Rng.fromSeed(4) });
    expect(() => queue.enqueue(tf.zeros([2, 2]))).toThrow(SsdetError);
    expect(() => new MemoryQueue({ size: 0, dim: 3, rng: Rng.fromSeed(4) })).toThrow(/size/);
  });
});
