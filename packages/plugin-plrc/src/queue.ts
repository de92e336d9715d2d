import type { Rng } from '@ssdet/core';
import { MemoryQueue } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * What happens when a batch of keys does not fit before the end of the queue. `wrap`: the rest is
 * written from row 0 on (MoCo's queue, which requires K to be a multiple of B). `truncate`: the
 * keys that do not fit are dropped and the pointer returns to 0, as the official
 * `Memory_Loss.update_memory` does.
 */
export type QueueOverflow = 'wrap' | 'truncate';

/** Enqueues `keys` `[B, D]` (L2-normalised, no gradient) by `overflow`. */
export function enqueueKeys(queue: MemoryQueue, keys: tf.Tensor2D, overflow: QueueOverflow): void {
  const room = queue.size - queue.position;
  if (overflow === 'truncate' && keys.shape[0] > room) {
    const kept = tf.slice(keys, [0, 0], [room, -1]) as tf.Tensor2D;
    queue.enqueue(kept);
    kept.dispose();
    return;
  }
  queue.enqueue(keys);
}

/**
 * PLRC's image queue of `size` keys: filled, as the official `Memory_Loss`, with U(−σ, σ),
 * σ = 1/√(D/3) (not normalised), pointer at 0.
 */
export function plrcImageQueue(size: number, dim: number, rng: Rng): MemoryQueue {
  const queue = new MemoryQueue({ size, dim, rng: rng.fork('unused') });
  const bound = 1 / Math.sqrt(dim / 3);
  const draw = rng.fork('queue_x');
  const values = new Float32Array(size * dim);
  for (let i = 0; i < values.length; i++) values[i] = draw.uniform(-bound, bound);
  tf.tidy(() => queue.queue.assign(tf.tensor2d(values, [size, dim])));
  return queue;
}
