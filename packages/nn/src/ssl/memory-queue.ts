import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from '../layers/named-variables.js';

export interface MemoryQueueOptions {
  /** K, the number of stored keys (MoCo: 65536). */
  readonly size: number;
  /** D, the key dimension (MoCo: 128). */
  readonly dim: number;
  readonly rng: Rng;
}

/**
 * MoCo's dictionary of negative keys (He et al., "Momentum Contrast", CVPR 2020, §3.2): a FIFO
 * queue of K keys of dimension D, initialised with random L2-normalised vectors.
 *
 * Stored as `[K, D]` (MoCo stores the transpose `[D, K]`) in a non-trainable variable `queue`
 * with the write position in `queue_ptr` (int32 scalar), so checkpoints capture it.
 * {@link enqueue} writes a batch of B keys at rows `ptr, ptr+1, …` and advances `ptr` by B modulo
 * K, exactly MoCo's `_dequeue_and_enqueue` when K is a multiple of B. MoCo asserts that; here a
 * batch that crosses the end wraps around to row 0, and a batch larger than K keeps its last K keys.
 */
export class MemoryQueue implements HasVariables {
  readonly size: number;
  readonly dim: number;
  /** `[K, D]`, the stored keys. */
  readonly queue: tf.Variable<tf.Rank.R2>;
  readonly pointer: tf.Variable<tf.Rank.R0>;

  constructor(options: MemoryQueueOptions) {
    const { size, dim, rng } = options;
    for (const [field, value] of [
      ['size', size],
      ['dim', dim],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new SsdetError(
          'NN_BAD_OPTION',
          `MemoryQueue option "${field}" must be a positive integer; got ${value}.`,
        );
      }
    }
    this.size = size;
    this.dim = dim;
    const values = new Float32Array(size * dim);
    const draw = rng.fork('queue');
    for (let i = 0; i < values.length; i++) values[i] = draw.normal();
    for (let row = 0; row < size; row++) {
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += values[row * dim + j]! ** 2;
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let j = 0; j < dim; j++) values[row * dim + j]! *= scale;
    }
    this.queue = variableFrom(() => tf.tensor2d(values, [size, dim]), false);
    this.pointer = variableFrom(() => tf.scalar(0, 'int32'), false);
  }

  /** The next row to be written. */
  get position(): number {
    return this.pointer.dataSync()[0]!;
  }

  /** Writes `keys` `[B, D]` (already L2-normalised and detached) over the oldest entries. */
  enqueue(keys: tf.Tensor2D): void {
    if (keys.rank !== 2 || keys.shape[1] !== this.dim) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `MemoryQueue.enqueue expects keys [B, ${this.dim}]; got [${keys.shape.join(', ')}].`,
      );
    }
    const batch = keys.shape[0];
    const start = this.position;
    tf.tidy(() => {
      this.queue.assign(this.overwritten(keys, start) as tf.Tensor2D);
      this.pointer.assign(tf.scalar((start + batch) % this.size, 'int32'));
    });
  }

  /** The queue with `keys` written from row `start` on, wrapping around (later keys win). */
  private overwritten(keys: tf.Tensor2D, start: number): tf.Tensor {
    const batch = keys.shape[0];
    const size = this.size;
    if (batch > size) {
      // Only the last `size` keys survive; they land rotated so that key i is at (start + i) % size.
      return this.overwritten(
        tf.slice(keys, [batch - size, 0], [size, -1]),
        (start + batch - size) % size,
      );
    }
    const rows = (tensor: tf.Tensor, from: number, count: number): tf.Tensor[] =>
      count > 0 ? [tf.slice(tensor, [from, 0], [count, -1])] : [];
    const end = start + batch;
    if (end <= size) {
      // Copies of contiguous row ranges (a gather of the whole queue costs far more).
      return tf.concat(
        [...rows(this.queue, 0, start), keys, ...rows(this.queue, end, size - end)],
        0,
      );
    }
    const wrapped = end - size; // keys [batch - wrapped, batch) go to rows [0, wrapped)
    return tf.concat(
      [
        ...rows(keys, batch - wrapped, wrapped),
        ...rows(this.queue, wrapped, start - wrapped),
        ...rows(keys, 0, batch - wrapped),
      ],
      0,
    );
  }

  /** `queue` and `queue_ptr`, MoCo's buffer names. */
  variables(): NamedVariables {
    return new Map<string, tf.Variable>([
      ['queue', this.queue],
      ['queue_ptr', this.pointer],
    ]);
  }
}
