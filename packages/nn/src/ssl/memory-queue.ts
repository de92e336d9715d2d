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
    // Row r of the new queue is taken from row source[r] of concat(queue, keys): later keys win.
    const source = Int32Array.from({ length: this.size }, (_, r) => r);
    for (let i = Math.max(0, batch - this.size); i < batch; i++) {
      source[(start + i) % this.size] = this.size + i;
    }
    tf.tidy(() => {
      const updated = tf.gather(tf.concat([this.queue, keys], 0), tf.tensor1d(source, 'int32'));
      this.queue.assign(updated as tf.Tensor2D);
      this.pointer.assign(tf.scalar((start + batch) % this.size, 'int32'));
    });
  }

  /** `queue` and `queue_ptr`, MoCo's buffer names. */
  variables(): NamedVariables {
    return new Map<string, tf.Variable>([
      ['queue', this.queue],
      ['queue_ptr', this.pointer],
    ]);
  }
}
